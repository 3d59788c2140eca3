/**
 * `keys add FILE.asc --label L`: enrol an editor's public key. The key policy (app/keyring/policy.ts,
 * the same code the server and the browser run) decides; a refusal names the rule and the key.
 * The key is stored re-armored from what was parsed, so the served file is exactly the key that
 * passed the policy (no second key block, no trailing data). The document's version grows by one
 * and stays unsigned until `keys sign`.
 */
import { readFile } from "node:fs/promises";
import { readKeys } from "openpgp";
import { fullPgpConfig, pgpConfig } from "../../app/envelope/pgp-config";
import type { KeyringDocument } from "../../app/keyring/document";
import { checkKeyPolicy } from "../../app/keyring/policy";
import { ROOT_FILE } from "../../server/keyring/files";
import { utcDay } from "../../server/storage/day";
import { KeysError, errorMessage, refuse } from "./errors";
import { groupFingerprint } from "./fingerprint";
import { KeysDir, readPublicKeyText } from "./keys-dir";

export interface AddResult {
  fingerprint: string;
  encryptionKeyId: string;
  version: number;
  newKeyring: boolean;
  warnings: string[];
  keyFile: string;
}

async function readOneKey(file: string) {
  const armored = await readFile(file, "utf8");
  let keys;
  try {
    keys = await readKeys({ armoredKeys: armored, config: pgpConfig });
  } catch (error) {
    throw refuse(`${file}: not a readable OpenPGP public key (${errorMessage(error)})`);
  }
  if (keys.length !== 1) throw refuse(`${file} holds ${keys.length} keys; give one editor's public key per file`);
  // Re-read alone so the secret-key check below applies to exactly this key.
  return readPublicKeyText(armored, file);
}

/** The root public key for a new keyring: root.asc already in the directory, or --root FILE. */
async function rootForNewKeyring(dir: KeysDir, rootFile: string | undefined) {
  const inDir = await dir.readRootKey();
  if (rootFile === undefined) {
    if (inDir === null) {
      throw new KeysError(`${dir.dir} has no keyring yet and no ${ROOT_FILE}; pass --root root.asc (the public file from \`keys root init\`)`);
    }
    return { key: inDir.key, copy: null };
  }
  const armored = await readFile(rootFile, "utf8");
  const key = await readPublicKeyText(armored, rootFile);
  if (inDir !== null && inDir.key.getFingerprint() !== key.getFingerprint()) {
    throw refuse(`${rootFile} is not the root key already in ${dir.path(ROOT_FILE)}`);
  }
  return { key, copy: inDir === null ? key.armor(fullPgpConfig) : null };
}

export async function addKey(args: { keysDir: string; file: string; label: string; root?: string; now?: Date }): Promise<AddResult> {
  const dir = new KeysDir(args.keysDir);
  const key = await readOneKey(args.file);
  const fingerprint = key.getFingerprint().toUpperCase();
  const policy = await checkKeyPolicy(key, { now: args.now, needsEncryption: true });
  if (!policy.ok) throw refuse(`refused by the key policy, rule "${policy.rule}": ${policy.reason}`);
  if (policy.encryptionKeyId === null) throw refuse(`refused by the key policy, rule "encryption-subkey": key ${fingerprint} has no encryption subkey`);

  const existingText = await dir.readDocumentText();
  let document: KeyringDocument;
  let rootCopy: string | null = null;
  if (existingText === null) {
    const root = await rootForNewKeyring(dir, args.root);
    const rootPolicy = await checkKeyPolicy(root.key, { now: args.now, needsEncryption: false });
    if (!rootPolicy.ok) throw refuse(`root key refused by the key policy, rule "${rootPolicy.rule}": ${rootPolicy.reason}`);
    rootCopy = root.copy;
    document = { format: "testigo-keyring/1", version: 0, root: root.key.getFingerprint().toUpperCase(), demo: false, keys: [] };
  } else {
    ({ document } = await dir.readDocument());
    if (document.demo) throw refuse(`${dir.dir} holds a demo keyring; start a real keyring in another directory`);
    if (args.root !== undefined) await rootForNewKeyring(dir, args.root);
  }
  if (fingerprint === document.root) throw refuse(`key ${fingerprint} is the root key; editors need their own keys`);
  const existing = document.keys.find((k) => k.fingerprint === fingerprint);
  if (existing) {
    throw refuse(
      existing.status === "active"
        ? `key ${groupFingerprint(fingerprint)} is already in the keyring as "${existing.label}"`
        : `key ${groupFingerprint(fingerprint)} was retired on ${existing.retired ?? "an earlier day"}; a retired key is never re-enrolled, make a new one`,
    );
  }

  // The key file first, the document last: the document never names a key that is not on disk.
  if (rootCopy !== null) await dir.writeText(ROOT_FILE, rootCopy);
  const keyFile = await dir.writeEditorKey(fingerprint, key.armor(fullPgpConfig));
  const next: KeyringDocument = {
    ...document,
    version: document.version + 1,
    keys: [...document.keys, { fingerprint, label: args.label, role: "editor", status: "active", added: utcDay(args.now) }],
  };
  await dir.writeDocument(next);
  return {
    fingerprint,
    encryptionKeyId: policy.encryptionKeyId,
    version: next.version,
    newKeyring: existingText === null,
    warnings: policy.warnings,
    keyFile,
  };
}
