/**
 * The keyring directory layout (keys/ by default):
 *   keyring.json        the document (exact bytes are what the root signed)
 *   keyring.json.asc    detached armored signature of keyring.json by the root key
 *   root.asc            the root public key
 *   editors/*.asc       editor public keys, one per file
 */
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { readKey } from "openpgp";
import { pgpConfig } from "../../app/envelope/pgp-config";
import type { KeyringBundle } from "../../app/keyring/document";

export const KEYRING_FILE = "keyring.json";
export const SIGNATURE_FILE = "keyring.json.asc";
export const ROOT_FILE = "root.asc";
export const EDITORS_DIR = "editors";

export async function hasKeyring(dir: string): Promise<boolean> {
  try {
    await readFile(path.join(dir, KEYRING_FILE));
    return true;
  } catch {
    return false;
  }
}

export async function readKeyringBundle(dir: string): Promise<KeyringBundle> {
  const document = await readFile(path.join(dir, KEYRING_FILE), "utf8");
  const signature = await readFile(path.join(dir, SIGNATURE_FILE), "utf8");
  const rootKey = await readFile(path.join(dir, ROOT_FILE), "utf8");
  const keys: Record<string, string> = {};
  const editorsDir = path.join(dir, EDITORS_DIR);
  for (const name of (await readdir(editorsDir)).filter((n) => n.endsWith(".asc")).sort()) {
    const armored = await readFile(path.join(editorsDir, name), "utf8");
    const key = await readKey({ armoredKey: armored, config: pgpConfig });
    keys[key.getFingerprint().toUpperCase()] = armored;
  }
  return { document, signature, rootKey, keys };
}
