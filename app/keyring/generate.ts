/**
 * Key generation the way GnuPG 2.2 accepts it: v4, Ed25519 primary (certify+sign) with a
 * Curve25519 encryption subkey, which is what `gpg --quick-gen-key` makes by default. Used for the
 * demo keys and by `testigo keys ...`; tests use it too so they exercise the same key shape.
 */
import { generateKey, readKey } from "openpgp";
import { pgpConfig } from "../envelope/pgp-config";

export interface GeneratedKey {
  armoredPublic: string;
  armoredPrivate: string;
  fingerprint: string;
}

export async function generateV4Key(args: { name: string; passphrase?: string; encryption: boolean }): Promise<GeneratedKey> {
  const result = await generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ name: args.name }],
    // A root key only certifies and signs; an editor key needs the encryption subkey.
    subkeys: args.encryption ? [{}] : [],
    passphrase: args.passphrase,
    format: "armored",
    config: pgpConfig,
  });
  const key = await readKey({ armoredKey: result.publicKey });
  return {
    armoredPublic: result.publicKey,
    armoredPrivate: result.privateKey,
    fingerprint: key.getFingerprint().toUpperCase(),
  };
}
