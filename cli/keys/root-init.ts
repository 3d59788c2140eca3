/**
 * `keys root init`: the organisation's root key, made offline. Ed25519, certify and sign only (it
 * signs keyrings; nothing is ever encrypted to it), passphrase-protected with the S2K GnuPG 2.2
 * reads, so the secret can also be kept in, or checked with, GnuPG.
 */
import path from "node:path";
import { readdir } from "node:fs/promises";
import { generateV4Key } from "../../app/keyring/generate";
import { EDITORS_DIR, KEYRING_FILE } from "../../server/keyring/files";
import { KeysError, isFsError } from "./errors";
import { ensurePrivateDir, fsyncDir, writeNewFile } from "./key-files";

export const ROOT_SECRET_FILE = "root-secret.asc";
export const ROOT_PUBLIC_FILE = "root.asc";

export interface RootInitResult {
  fingerprint: string;
  secretFile: string;
  publicFile: string;
}

export async function rootInit(args: { out: string; name: string; passphrase: string }): Promise<RootInitResult> {
  // The keys directory goes to the server; the root secret must never be in it.
  let existing: string[] = [];
  try {
    existing = await readdir(args.out);
  } catch (error) {
    if (!isFsError(error, "ENOENT")) throw error;
  }
  if (existing.includes(KEYRING_FILE) || existing.includes(EDITORS_DIR)) {
    throw new KeysError(`${args.out} looks like a keyring directory; keep the root secret key out of it (use a separate, offline directory)`);
  }
  const secretFile = path.join(args.out, ROOT_SECRET_FILE);
  const publicFile = path.join(args.out, ROOT_PUBLIC_FILE);
  if (existing.includes(ROOT_SECRET_FILE) || existing.includes(ROOT_PUBLIC_FILE)) {
    throw new KeysError(`${args.out} already holds a root key; refusing to replace it`);
  }
  await ensurePrivateDir(args.out);
  const key = await generateV4Key({ name: args.name, passphrase: args.passphrase, encryption: false });
  await writeNewFile(secretFile, key.armoredPrivate, 0o600);
  await writeNewFile(publicFile, key.armoredPublic, 0o644);
  await fsyncDir(args.out);
  return { fingerprint: key.fingerprint, secretFile, publicFile };
}
