/**
 * `testigo reply --bundle THREAD.tar --keys KEYS_DIR [--message-file FILE|-] [--out FILE]
 *                [--root-fingerprint FPR] [--sign-key SECRET.asc [--passphrase-file F]]`
 * Offline: writes the same encrypted reply the thread page's composer makes in the browser
 * (app/contact/reply.ts: one PKESK to the witness, one to every active editor key), for an editor
 * who prefers to type on the offline machine. The editor then uploads the file on the thread's
 * page. The keyring is checked as `testigo keys verify` checks it: a reply encrypted to an
 * unsigned or altered key list would be readable by whoever altered it. With --sign-key the reply
 * is also signed by the editor's own key (an ACTIVE key of that keyring): the witness's page checks
 * it against the keyring it verified, so a seized server holding the witness's public key cannot
 * pass off its own text as the editors'. Opens no socket.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { decryptKey, readPrivateKey, type PrivateKey } from "openpgp";
import { z } from "zod";
import { MAX_REPLY_TEXT } from "../../app/contact/format";
import { encryptReply } from "../../app/contact/reply";
import { readWitnessPublicKey } from "../../app/codename/witness-key";
import { pgpConfig } from "../../app/envelope/pgp-config";
import type { KeyringDocument } from "../../app/keyring/document";
import { verifyKeyring } from "../../app/keyring/verify";
import { readPassphrase } from "../passphrase";
import { readKeyringBundle } from "../../server/keyring/files";
import { KeysError, errorMessage, isFsError, refuse } from "../keys/errors";
import { FingerprintArg, groupFingerprint } from "../keys/fingerprint";
import { defaultKeysDir } from "../keys/keys-dir";
import { verifyKeysDir } from "../keys/verify";
import { ThreadBundleError, readThreadForReply } from "./read-thread";

export const REPLY_USAGE = `  reply --bundle THREAD.tar --keys KEYS_DIR [--message-file FILE|-] [--out FILE] [--root-fingerprint FPR]
        [--sign-key SECRET.asc [--passphrase-file F]]
      offline: encrypt a reply to the witness of a thread (and to every active editor key),
      from the thread's bundle and the signed keys folder; upload the file on the thread's page
      (message from FILE, or from standard input when "-" or absent); --sign-key signs it with your
      editor secret key (an active key of the keyring), so the witness's page can tell it is genuine
`;

const Options = z.object({
  bundle: z.string({ required_error: "--bundle THREAD.tar is required" }).min(1, "--bundle THREAD.tar is required"),
  keys: z.string().min(1).default(() => defaultKeysDir()),
  "message-file": z.string().min(1).default("-"),
  out: z.string().min(1).optional(),
  "root-fingerprint": FingerprintArg.optional(),
  "sign-key": z.string().min(1).optional(),
  "passphrase-file": z.string().min(1).optional(),
});

/**
 * The editor's secret key, unlocked, if it is an ACTIVE key of the verified keyring: the witness's
 * page trusts only keyring keys, so a reply signed by any other key would show as unreadable.
 */
async function loadSigningKey(file: string, passphraseFile: string | undefined, document: KeyringDocument): Promise<{ key: PrivateKey; label: string }> {
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: await readFile(file, "utf8"), config: pgpConfig });
  } catch (error) {
    if (isFsError(error, "ENOENT")) throw refuse(`--sign-key ${file}: no such file`);
    throw refuse(`--sign-key ${file}: not an OpenPGP secret key (${errorMessage(error)})`);
  }
  const fingerprint = key.getFingerprint().toUpperCase();
  const entry = document.keys.find((k) => k.fingerprint === fingerprint);
  if (!entry) throw refuse(`--sign-key ${file}: key ${groupFingerprint(fingerprint)} is not in keyring version ${document.version}; the witness would not trust its signature`);
  if (entry.status !== "active") {
    throw refuse(`--sign-key ${file}: key ${groupFingerprint(fingerprint)} ("${entry.label}") is ${entry.status}, not active, in keyring version ${document.version}; sign with an active key`);
  }
  if (!key.isDecrypted()) {
    const passphrase = await readPassphrase({ file: passphraseFile, prompt: `Passphrase for ${path.basename(file)}: ` });
    try {
      key = await decryptKey({ privateKey: key, passphrase, config: pgpConfig });
    } catch (error) {
      throw refuse(`--sign-key ${file}: the key does not unlock (${errorMessage(error)})`);
    }
  }
  return { key, label: entry.label };
}

async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY) process.stderr.write("Type the reply, then press Ctrl-D on a line of its own:\n");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    if (chunk instanceof Buffer) chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

async function readMessage(source: string): Promise<string> {
  const bytes = source === "-" ? await readStdin() : new Uint8Array(await readFile(source));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new KeysError(`the message is not UTF-8 text`);
  }
  if (text.trim() === "") throw new KeysError("the message is empty; nothing to send");
  if (text.length > MAX_REPLY_TEXT) throw new KeysError(`the message is ${text.length} characters; a reply holds at most ${MAX_REPLY_TEXT}`);
  return text;
}

async function route(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      bundle: { type: "string" },
      keys: { type: "string" },
      "message-file": { type: "string" },
      out: { type: "string" },
      "root-fingerprint": { type: "string" },
      "sign-key": { type: "string" },
      "passphrase-file": { type: "string" },
    },
  });
  if (positionals.length > 0) throw new KeysError(`unexpected argument ${JSON.stringify(positionals[0])}\nusage:\n${REPLY_USAGE}`);
  const parsed = Options.safeParse({ ...values, "root-fingerprint": values["root-fingerprint"] ?? process.env.TESTIGO_ROOT_FINGERPRINT });
  if (!parsed.success) {
    const where = (i: z.ZodIssue) => (i.path.length > 0 && !i.message.startsWith("--") ? `--${i.path.join(".")}: ` : "");
    throw new KeysError(parsed.error.issues.map((i) => `${where(i)}${i.message}`).join("; "));
  }
  const o = parsed.data;

  let thread;
  try {
    thread = await readThreadForReply(o.bundle);
  } catch (error) {
    if (error instanceof ThreadBundleError) throw refuse(error.message);
    throw error;
  }
  const id = thread.index.thread;
  if (thread.witnessKey === null) {
    throw refuse(`the witness of thread ${id} chose no codename: there is no key to encrypt to and no way for them to read a reply`);
  }
  let witnessKey;
  try {
    witnessKey = await readWitnessPublicKey(thread.witnessKey);
  } catch (error) {
    throw refuse(`${id}/witness-key.pgp is not a witness key of the required shape (${errorMessage(error)})`);
  }

  // The checks of `testigo keys verify` (signature, pin, policy, rollback, no secret keys in the
  // folder); pinned to --root-fingerprint when given, else to the folder's own root.asc.
  const checked = await verifyKeysDir({ keysDir: o.keys, rootFingerprint: o["root-fingerprint"] });
  const verified = await verifyKeyring(await readKeyringBundle(o.keys), { trustedRootFingerprint: checked.rootFingerprint });
  if (!verified.ok) throw refuse(`keyring refused: ${verified.reason}`);
  const { recipients, document } = verified.keyring;

  // Before the message is read: a wrong key must not cost the editor a typed reply.
  const signer = o["sign-key"] ? await loadSigningKey(o["sign-key"], o["passphrase-file"], document) : null;
  const text = await readMessage(o["message-file"]);
  const message = await encryptReply({ thread: id, text, witnessKey, editorKeys: recipients, ...(signer ? { signingKey: signer.key } : {}) });
  const out = o.out ?? `reply-${id.slice(0, 8)}.pgp`;
  try {
    // Never overwrite: an earlier reply file not yet uploaded must not vanish.
    await writeFile(out, message, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if (isFsError(error, "EEXIST")) throw new KeysError(`${out} already exists; choose another --out or move it away`);
    throw error;
  }
  const active = document.keys.filter((k) => k.status === "active");
  process.stdout.write(`encrypted a reply of ${text.length} characters to thread ${id}
  for the witness (key ${groupFingerprint(witnessKey.getFingerprint())})
  and ${active.length} active editor key(s) of keyring version ${document.version}${checked.pinned ? " (root matches the pinned fingerprint)" : ""}: ${active.map((k) => `"${k.label}"`).join(", ")}
${
    signer
      ? `signed by your key ${groupFingerprint(signer.key.getFingerprint())} ("${signer.label}"): the witness's page shows it as signed by the editors' key "${signer.label}"`
      : `NOT signed: the witness's page shows it as "not signed", like a reply a seized server could write;
  recommended: run again with --sign-key YOUR-SECRET-KEY.asc`
  }
wrote ${out} (${message.length} bytes, ciphertext only)
upload it on the thread's page, /editor/submissions/${id}, under "Upload a reply prepared offline";
the witness reads it the next time they open the conversation with their codename.
`);
  for (const w of checked.warnings) process.stdout.write(`warning: ${w}\n`);
  return 0;
}

export async function replyCommand(argv: string[]): Promise<number> {
  try {
    return await route(argv);
  } catch (error) {
    process.stderr.write(`testigo reply: ${errorMessage(error)}\n`);
    return error instanceof KeysError ? error.exitCode : 1;
  }
}
