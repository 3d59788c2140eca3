/**
 * Builds a signed keyring directory (the layout of server/keyring/files.ts) from given editor
 * public keys, e.g. keys made by GnuPG, so a portal can run on them via TESTIGO_KEYS_DIR. The root
 * key is made the way demo mode makes it; the document is signed with the server's own signer.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { readKey } from "openpgp";
import { pgpConfig } from "~/envelope/pgp-config";
import type { KeyringDocument } from "~/keyring/document";
import { generateV4Key } from "~/keyring/generate";
import { EDITORS_DIR, KEYRING_FILE, ROOT_FILE, SIGNATURE_FILE } from "../../server/keyring/files";
import { signKeyringDocument } from "../../server/keyring/sign";

export interface SignedKeyringDir {
  keysDir: string;
  rootFingerprint: string;
  editorFingerprints: string[];
}

export async function makeSignedKeyringDir(args: {
  dir: string;
  editors: readonly { armoredPublic: string; label: string }[];
}): Promise<SignedKeyringDir> {
  const root = await generateV4Key({ name: "Testigo test root", encryption: false });
  const editorFingerprints: string[] = [];
  await mkdir(path.join(args.dir, EDITORS_DIR), { recursive: true });
  for (const editor of args.editors) {
    const key = await readKey({ armoredKey: editor.armoredPublic, config: pgpConfig });
    const fingerprint = key.getFingerprint().toUpperCase();
    editorFingerprints.push(fingerprint);
    await writeFile(path.join(args.dir, EDITORS_DIR, `${fingerprint}.asc`), editor.armoredPublic);
  }
  const document: KeyringDocument = {
    format: "testigo-keyring/1",
    version: 1,
    root: root.fingerprint,
    demo: false,
    keys: args.editors.map((editor, i) => ({
      fingerprint: editorFingerprints[i]!,
      label: editor.label,
      role: "editor",
      status: "active",
      added: new Date().toISOString().slice(0, 10),
    })),
  };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  await writeFile(path.join(args.dir, ROOT_FILE), root.armoredPublic);
  await writeFile(path.join(args.dir, SIGNATURE_FILE), await signKeyringDocument(text, root.armoredPrivate));
  // Last, as in demo mode: keyring.json's presence marks the directory complete.
  await writeFile(path.join(args.dir, KEYRING_FILE), text);
  return { keysDir: args.dir, rootFingerprint: root.fingerprint, editorFingerprints };
}
