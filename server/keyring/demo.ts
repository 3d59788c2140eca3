/**
 * Demo mode: with no keyring configured (and not in production) the portal makes a throwaway root
 * and editor key on first start, under the data directory, so `npm install && npm start` works.
 * Everything about it is marked demo; the editor secret key sits unprotected on the server's disk,
 * which is exactly why it must never receive real material.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateV4Key } from "../../app/keyring/generate";
import type { KeyringDocument } from "../../app/keyring/document";
import { utcDay } from "../storage/day";
import { mkdirDurable } from "../storage/durable-fs";
import { EDITORS_DIR, KEYRING_FILE, ROOT_FILE, SIGNATURE_FILE, hasKeyring } from "./files";
import { signKeyringDocument } from "./sign";

export const DEMO_SECRET_FILE = "demo-editor-secret.asc";

export interface DemoKeys {
  keysDir: string;
  editorSecretPath: string;
}

export async function ensureDemoKeys(dataDir: string): Promise<DemoKeys> {
  const keysDir = path.join(dataDir, "demo-keys");
  const secretDir = path.join(dataDir, "demo-secret");
  const editorSecretPath = path.join(secretDir, DEMO_SECRET_FILE);
  if (await hasKeyring(keysDir)) {
    await readFile(editorSecretPath);
    return { keysDir, editorSecretPath };
  }
  const root = await generateV4Key({ name: "Testigo DEMO root (not for real use)", encryption: false });
  const editor = await generateV4Key({ name: "Testigo DEMO editor (not for real use)", encryption: true });
  const document: KeyringDocument = {
    format: "testigo-keyring/1",
    version: 1,
    root: root.fingerprint,
    demo: true,
    keys: [{ fingerprint: editor.fingerprint, label: "Demo editor", role: "editor", status: "active", added: utcDay() }],
  };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  await mkdirDurable(path.join(keysDir, EDITORS_DIR));
  await mkdirDurable(secretDir);
  await chmod(secretDir, 0o700);
  await writeFile(editorSecretPath, editor.armoredPrivate, { mode: 0o600 });
  await writeFile(path.join(secretDir, "demo-root-secret.asc"), root.armoredPrivate, { mode: 0o600 });
  await writeFile(path.join(keysDir, ROOT_FILE), root.armoredPublic);
  await writeFile(path.join(keysDir, EDITORS_DIR, `${editor.fingerprint}.asc`), editor.armoredPublic);
  await writeFile(path.join(keysDir, SIGNATURE_FILE), await signKeyringDocument(text, root.armoredPrivate));
  // Written last: its presence is what marks the demo keyring complete.
  await writeFile(path.join(keysDir, KEYRING_FILE), text);
  return { keysDir, editorSecretPath };
}
