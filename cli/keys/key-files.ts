/**
 * Writing key files offline. A secret key file is created, never replaced (an overwritten root key
 * cannot be recovered), mode 0600 in a directory made 0700; everything is fsynced before the
 * command reports success, since staff may pull the USB stick right after.
 */
import { chmod, mkdir, open } from "node:fs/promises";
import { fsyncDir } from "../../server/storage/durable-fs";
import { KeysError, isFsError } from "./errors";

export async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // An existing directory keeps its mode: only a directory we made is ours to restrict.
  if (created !== undefined) await chmod(dir, 0o700);
}

/** Creates `file` with `text`; refuses if it exists. */
export async function writeNewFile(file: string, text: string, mode: 0o600 | 0o644): Promise<void> {
  let handle;
  try {
    handle = await open(file, "wx", mode);
  } catch (error) {
    if (isFsError(error, "EEXIST")) throw new KeysError(`${file} already exists; refusing to overwrite a key file`);
    throw error;
  }
  try {
    await handle.writeFile(text);
    // open()'s mode is filtered by the umask; the secret key's mode must not depend on it.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export { fsyncDir };
