import { createMessage, readPrivateKey, sign, decryptKey, type PrivateKey } from "openpgp";
import { pgpConfig } from "../../app/envelope/pgp-config";

/** Detached armored signature of the keyring document's exact bytes (UTF-8) by the root key. */
export async function signKeyringDocument(document: string, rootSecretArmored: string, passphrase?: string): Promise<string> {
  let root: PrivateKey = await readPrivateKey({ armoredKey: rootSecretArmored, config: pgpConfig });
  if (!root.isDecrypted()) {
    if (passphrase === undefined) throw new Error("the root secret key is passphrase-protected; a passphrase is needed");
    root = await decryptKey({ privateKey: root, passphrase, config: pgpConfig });
  }
  // A binary signature covers the exact bytes of keyring.json, not a line-ending-normalised text.
  const message = await createMessage({ binary: new TextEncoder().encode(document) });
  return sign({ message, signingKeys: root, detached: true, format: "armored", config: pgpConfig });
}
