import { readKey, readPrivateKey, type PrivateKey, type PublicKey } from "openpgp";
import { generateV4Key } from "~/keyring/generate";

export interface TestEditorKey {
  publicKey: PublicKey;
  privateKey: PrivateKey;
  armoredPublic: string;
  armoredPrivate: string;
  fingerprint: string;
}

export async function makeEditorKey(name = "Test Editor"): Promise<TestEditorKey> {
  const key = await generateV4Key({ name, encryption: true });
  return {
    ...key,
    publicKey: await readKey({ armoredKey: key.armoredPublic }),
    privateKey: await readPrivateKey({ armoredKey: key.armoredPrivate }),
  };
}
