import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { readKey, readPrivateKey, type PrivateKey, type PublicKey } from "openpgp";
import { generateV4Key } from "~/keyring/generate";
import type { KeyringDocument } from "~/keyring/document";
import { EDITORS_DIR, KEYRING_FILE, ROOT_FILE, SIGNATURE_FILE } from "../../server/keyring/files";
import { signKeyringDocument } from "../../server/keyring/sign";

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

/** The 16-hex key ID of a key's encryption subkey: what a header's PKESK must name. */
export async function encryptionKeyId(key: PublicKey): Promise<string> {
  return (await key.getEncryptionKey()).getKeyID().toHex();
}

export interface WrittenKeyring {
  dir: string;
  rootFingerprint: string;
  rootArmoredPrivate: string;
  document: KeyringDocument;
}

/**
 * Writes a signed keyring directory the way `testigo keys` and the demo mode do (keyring.json,
 * keyring.json.asc, root.asc, editors/*.asc), signed by a fresh root key unless one is given.
 * Point TESTIGO_KEYS_DIR at `dir`.
 */
export async function writeSignedKeyring(
  dir: string,
  options: {
    editors: { key: TestEditorKey; status: "active" | "retired" }[];
    demo?: boolean;
    version?: number;
    root?: { armoredPrivate: string; fingerprint: string };
  },
): Promise<WrittenKeyring> {
  const root = options.root ?? (await generateV4Key({ name: "Testigo test root", encryption: false }));
  const document: KeyringDocument = {
    format: "testigo-keyring/1",
    version: options.version ?? 1,
    root: root.fingerprint,
    demo: options.demo ?? false,
    keys: options.editors.map((e, i) => ({
      fingerprint: e.key.fingerprint,
      label: `Test editor ${i}`,
      role: "editor",
      status: e.status,
      added: "2026-01-01",
      ...(e.status === "retired" ? { retired: "2026-02-01" } : {}),
    })),
  };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  await mkdir(path.join(dir, EDITORS_DIR), { recursive: true });
  const rootPublic = (await readPrivateKey({ armoredKey: root.armoredPrivate })).toPublic().armor();
  await writeFile(path.join(dir, ROOT_FILE), rootPublic);
  for (const e of options.editors) {
    await writeFile(path.join(dir, EDITORS_DIR, `${e.key.fingerprint}.asc`), e.key.armoredPublic);
  }
  await writeFile(path.join(dir, SIGNATURE_FILE), await signKeyringDocument(text, root.armoredPrivate));
  await writeFile(path.join(dir, KEYRING_FILE), text);
  return { dir, rootFingerprint: root.fingerprint, rootArmoredPrivate: root.armoredPrivate, document };
}
