/**
 * The passphrase for a new secret key: from --passphrase-file (scripts), or asked twice on the
 * terminal so a typo does not lock the key away for good. Never from argv, never printed.
 */
import { readPassphrase } from "../passphrase";
import { KeysError } from "./errors";

/**
 * A root or editor key is unlocked offline and rarely; an attacker who copies the file can guess
 * at leisure. The S2K count (pgp-config.ts) slows each guess; the length is what makes it hopeless.
 */
export const MIN_PASSPHRASE_LENGTH = 12;

export async function readNewPassphrase(options: { file: string | undefined; what: string }): Promise<string> {
  const passphrase = await readPassphrase({ file: options.file, prompt: `New passphrase for the ${options.what}: ` });
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new KeysError(`the passphrase for the ${options.what} must have at least ${MIN_PASSPHRASE_LENGTH} characters (use several random words)`);
  }
  if (options.file === undefined) {
    const again = await readPassphrase({ file: undefined, prompt: "Repeat it: " });
    if (again !== passphrase) throw new KeysError("the two passphrases differ; nothing was written");
  }
  return passphrase;
}
