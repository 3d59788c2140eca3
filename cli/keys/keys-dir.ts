/**
 * The keyring directory as `testigo keys` edits it (layout in server/keyring/files.ts), plus one
 * file the server ignores: keyring.last-signed.json, a copy of the exact document `keys sign`
 * last signed. `add` and `retire` change keyring.json, after which the detached signature no longer
 * covers it; the copy is how `sign` still sees the last signed version, so that the version only
 * grows even when keyring.json was edited (or rolled back) by hand.
 */
import { chmod, readFile, readdir, unlink } from "node:fs/promises";
import path from "node:path";
import { readKey, type PublicKey } from "openpgp";
import { signatureCovers } from "../../app/keyring/verify";
import { pgpConfig } from "../../app/envelope/pgp-config";
import { KeyringDocumentSchema, type KeyringDocument } from "../../app/keyring/document";
import { EDITORS_DIR, KEYRING_FILE, ROOT_FILE, SIGNATURE_FILE } from "../../server/keyring/files";
import { commitTemp, mkdirDurable, writeTemp } from "../../server/storage/durable-fs";
import { KeysError, errorMessage, isFsError } from "./errors";

export const LAST_SIGNED_FILE = "keyring.last-signed.json";

export function defaultKeysDir(): string {
  return process.env.TESTIGO_KEYS_DIR ?? "keys";
}

export async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (isFsError(error, "ENOENT")) return null;
    throw error;
  }
}

/** The document as written: two-space JSON and a final newline, like the demo keyring. */
export function serializeDocument(document: KeyringDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function parseDocument(text: string, where: string): KeyringDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeysError(`${where} is not JSON`, 2);
  }
  const parsed = KeyringDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`);
    throw new KeysError(`${where} is not a valid testigo-keyring/1 document: ${issues.join("; ")}`, 2);
  }
  return parsed.data;
}

export async function readPublicKeyText(armored: string, where: string): Promise<PublicKey> {
  let key;
  try {
    key = await readKey({ armoredKey: armored, config: pgpConfig });
  } catch (error) {
    throw new KeysError(`${where}: not a readable OpenPGP key (${errorMessage(error)})`, 2);
  }
  if (key.isPrivate()) throw new KeysError(`${where} holds a secret key; only public keys belong here`, 2);
  return key;
}

export interface SignatureState {
  /** The detached signature covers keyring.json as it is now. */
  coversCurrent: boolean;
  /** The last document this directory shows was signed (current or the last-signed copy). */
  lastSigned: { version: number; text: string } | null;
  /** A signature file exists but covers neither keyring.json nor the last-signed copy. */
  orphanSignature: boolean;
}

export class KeysDir {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  async readDocumentText(): Promise<string | null> {
    return readOptional(this.path(KEYRING_FILE));
  }

  /** The current document; a missing keyring.json is an error naming the directory. */
  async readDocument(): Promise<{ text: string; document: KeyringDocument }> {
    const text = await this.readDocumentText();
    if (text === null) throw new KeysError(`no keyring in ${this.dir} (${KEYRING_FILE} is missing); start one with \`testigo keys add\``);
    return { text, document: parseDocument(text, this.path(KEYRING_FILE)) };
  }

  async readRootKey(): Promise<{ armored: string; key: PublicKey } | null> {
    const armored = await readOptional(this.path(ROOT_FILE));
    if (armored === null) return null;
    return { armored, key: await readPublicKeyText(armored, this.path(ROOT_FILE)) };
  }

  /** Editor public keys by fingerprint, read (like the server does) by content, not file name. */
  async readEditorKeys(): Promise<Map<string, { armored: string; key: PublicKey; file: string }>> {
    const keys = new Map<string, { armored: string; key: PublicKey; file: string }>();
    let names: string[];
    try {
      names = await readdir(this.path(EDITORS_DIR));
    } catch (error) {
      if (isFsError(error, "ENOENT")) return keys;
      throw error;
    }
    for (const name of names.filter((n) => n.endsWith(".asc")).sort()) {
      const file = this.path(EDITORS_DIR, name);
      const armored = await readFile(file, "utf8");
      const key = await readPublicKeyText(armored, file);
      keys.set(key.getFingerprint().toUpperCase(), { armored, key, file });
    }
    return keys;
  }

  async readSignatureText(): Promise<string | null> {
    return readOptional(this.path(SIGNATURE_FILE));
  }

  /**
   * What the existing signature covers, checked with the given root keys (root.asc and, when
   * signing, the key about to sign): never trusted from file names or the document's say-so.
   */
  async signatureState(signers: readonly PublicKey[]): Promise<SignatureState> {
    const signature = await this.readSignatureText();
    const current = await this.readDocumentText();
    if (signature === null) return { coversCurrent: false, lastSigned: null, orphanSignature: false };
    const covers = async (text: string) => {
      for (const signer of signers) if (await signatureCovers(text, signature, signer)) return true;
      return false;
    };
    const versionOf = (text: string, where: string) => parseDocument(text, where).version;
    if (current !== null && (await covers(current))) {
      return { coversCurrent: true, lastSigned: { version: versionOf(current, this.path(KEYRING_FILE)), text: current }, orphanSignature: false };
    }
    const copy = await readOptional(this.path(LAST_SIGNED_FILE));
    if (copy !== null && (await covers(copy))) {
      return { coversCurrent: false, lastSigned: { version: versionOf(copy, this.path(LAST_SIGNED_FILE)), text: copy }, orphanSignature: false };
    }
    return { coversCurrent: false, lastSigned: null, orphanSignature: true };
  }

  /** Writes keyring.json durably (temp file, fsync, rename): a crash leaves the old or the new. */
  async writeDocument(document: KeyringDocument): Promise<string> {
    const text = serializeDocument(document);
    await this.writeText(KEYRING_FILE, text);
    return text;
  }

  async writeText(name: string, text: string): Promise<void> {
    await writePublicFile(this.dir, this.path(name), text);
  }

  async writeEditorKey(fingerprint: string, armored: string): Promise<string> {
    const file = this.path(EDITORS_DIR, `${fingerprint}.asc`);
    await writePublicFile(this.path(EDITORS_DIR), file, armored);
    return file;
  }

  /**
   * Files under the directory that hold secret key material. The keys directory is copied to the
   * server and served in part; a root or editor secret key in it would end up there.
   */
  async findSecretKeyFiles(): Promise<string[]> {
    const found: string[] = [];
    let entries;
    try {
      entries = await readdir(this.dir, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isFsError(error, "ENOENT")) return found;
      throw error;
    }
    for (const entry of entries.filter((e) => e.isFile())) {
      const file = path.join(entry.parentPath, entry.name);
      const text = await readFile(file, "latin1");
      if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text) || looksLikeBinarySecretKey(text)) found.push(file);
    }
    return found.sort();
  }
}

/**
 * Temp file in the same directory, fsync, rename, fsync the directory: a crash leaves the old file
 * or the new one. Mode 0644: everything here is public and is read by the server's own user.
 */
async function writePublicFile(dir: string, file: string, text: string): Promise<void> {
  await mkdirDurable(dir);
  const temp = await writeTemp(dir, new TextEncoder().encode(text));
  try {
    await chmod(temp, 0o644);
    await commitTemp(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Binary OpenPGP starting with a secret-key packet (tag 5), old or new format. */
function looksLikeBinarySecretKey(latin1: string): boolean {
  const first = latin1.charCodeAt(0);
  return first === 0xc5 || ((first & 0xc0) === 0x80 && ((first >> 2) & 0x0f) === 5);
}
