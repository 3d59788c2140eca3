/**
 * `keys editor new NAME`: an editor key pair as GnuPG makes it by default (v4 Ed25519 primary,
 * Curve25519 encryption subkey), the secret passphrase-protected with iterated+salted S2K and
 * AES-256 (pgp-config.ts) so `gpg --import` on Tails takes it. Meant to run on the editor's
 * offline machine: only the public file leaves it.
 */
import path from "node:path";
import { generateV4Key } from "../../app/keyring/generate";
import { ensurePrivateDir, fsyncDir, writeNewFile } from "./key-files";

export interface EditorNewResult {
  fingerprint: string;
  publicFile: string;
  secretFile: string;
}

export function editorFileNames(fingerprint: string): { publicName: string; secretName: string } {
  return { publicName: `${fingerprint}.public.asc`, secretName: `${fingerprint}.secret.asc` };
}

export async function editorNew(args: { name: string; out: string; passphrase: string }): Promise<EditorNewResult> {
  await ensurePrivateDir(args.out);
  const key = await generateV4Key({ name: args.name, passphrase: args.passphrase, encryption: true });
  const { publicName, secretName } = editorFileNames(key.fingerprint);
  const secretFile = path.join(args.out, secretName);
  const publicFile = path.join(args.out, publicName);
  await writeNewFile(secretFile, key.armoredPrivate, 0o600);
  await writeNewFile(publicFile, key.armoredPublic, 0o644);
  await fsyncDir(args.out);
  return { fingerprint: key.fingerprint, publicFile, secretFile };
}
