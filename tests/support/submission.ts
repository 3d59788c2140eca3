/**
 * Builds a complete, valid submission under Node with the same envelope code the browser runs,
 * and uploads it through the real API. Used by API, durability and interop tests.
 */
import { readKey, readPrivateKey, type PrivateKey, type PublicKey } from "openpgp";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createHash } from "node:crypto";
import { z } from "zod";
import { DEFAULT_CHUNK_SIZE, FORMAT_ID, chunkCount, partName, type FileDescription, type Manifest, type PartRef } from "~/envelope/format";
import { encryptChunk, encryptHeader, encryptManifest, newSessionKey } from "~/envelope/encrypt";
import { paddedSize } from "~/envelope/padding";
import { sha256Hex } from "~/envelope/hash";
import { headerContentSha256 } from "~/envelope/header-content";
import { randomBytes, toHex } from "~/envelope/hex";
import { KeyringBundleSchema } from "~/keyring/document";
import { verifyKeyring } from "~/keyring/verify";

export interface BuiltPart {
  part: PartRef;
  name: string;
  bytes: Uint8Array;
}

export interface BuiltSubmission {
  id: string;
  parts: BuiltPart[];
  seal: { format: 1; files: { chunks: number }[] };
  manifest: Manifest;
}

export function newSubmissionId(): string {
  return toHex(randomBytes(16));
}

export async function fetchRecipients(witnessUrl: string): Promise<{ recipients: PublicKey[]; keyIds: Set<string> }> {
  const res = await fetch(`${witnessUrl}/api/v1/keyring`);
  const bundle = KeyringBundleSchema.parse(await res.json());
  const verified = await verifyKeyring(bundle);
  if (!verified.ok) throw new Error(verified.reason);
  return { recipients: verified.keyring.recipients, keyIds: verified.keyring.encryptionKeyIds };
}

export async function readSecretKey(file: string): Promise<PrivateKey> {
  return readPrivateKey({ armoredKey: await readFile(file, "utf8") });
}

export async function readPublicKeyFile(file: string): Promise<PublicKey> {
  return readKey({ armoredKey: await readFile(file, "utf8") });
}

export async function buildSubmission(args: {
  recipients: readonly PublicKey[];
  files: { name: string; type: string; data: Uint8Array }[];
  report?: Partial<Manifest["report"]>;
  chunkSize?: number;
  id?: string;
  /** A follow-up names its thread inside the manifest (docs/adr/0007-two-way-contact.md). */
  thread?: string;
}): Promise<BuiltSubmission> {
  const id = args.id ?? newSubmissionId();
  const chunkSize = args.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const parts: BuiltPart[] = [];
  const files: Manifest["files"] = [];
  for (const [file, f] of args.files.entries()) {
    const sessionKey = newSessionKey();
    const padded = paddedSize(f.data.length);
    const chunks = chunkCount(padded, chunkSize);
    const description: FileDescription = { format: FORMAT_ID, submission: id, file, name: f.name, type: f.type, size: f.data.length, paddedSize: padded, chunkSize, chunks, chunkKey: toHex(sessionKey) };
    const header = await encryptHeader({ description, sessionKey, recipients: args.recipients });
    parts.push({ part: { kind: "header", file }, name: partName({ kind: "header", file }), bytes: header });
    const chunkHashes: string[] = [];
    for (let chunk = 0; chunk < chunks; chunk++) {
      const plaintext = new Uint8Array(Math.min(chunkSize, padded - chunk * chunkSize));
      plaintext.set(f.data.subarray(chunk * chunkSize, Math.min((chunk + 1) * chunkSize, f.data.length)));
      const bytes = await encryptChunk({ submissionId: id, file, chunk, plaintext, sessionKey });
      chunkHashes.push(await sha256Hex(bytes));
      parts.push({ part: { kind: "chunk", file, chunk }, name: partName({ kind: "chunk", file, chunk }), bytes });
    }
    files.push({
      file, name: f.name, type: f.type, size: f.data.length, paddedSize: padded, chunkSize, chunks,
      sha256: await sha256Hex(f.data),
      chunkKeySha256: await sha256Hex(sessionKey),
      parts: { header: await headerContentSha256(header), chunks: chunkHashes },
    });
  }
  const manifest: Manifest = {
    format: FORMAT_ID, submission: id, language: "es",
    ...(args.thread !== undefined ? { thread: args.thread } : {}),
    report: { what: "", where: "", when: "", who: "", ...args.report },
    files,
  };
  const manifestBytes = await encryptManifest({ manifest, recipients: args.recipients });
  parts.push({ part: { kind: "manifest" }, name: "manifest", bytes: manifestBytes });
  return { id, parts, manifest, seal: { format: 1, files: files.map((f) => ({ chunks: f.chunks })) } };
}

export function putPart(witnessUrl: string, id: string, name: string, body: Uint8Array, contentType = "application/octet-stream"): Promise<Response> {
  return fetch(`${witnessUrl}/api/v1/submissions/${id}/parts/${name}`, {
    method: "PUT",
    headers: { "Content-Type": contentType },
    body: new Uint8Array(body),
  });
}

export function seal(witnessUrl: string, id: string, body: unknown): Promise<Response> {
  return fetch(`${witnessUrl}/api/v1/submissions/${id}/seal`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function uploadAndSeal(witnessUrl: string, sub: BuiltSubmission): Promise<void> {
  for (const p of sub.parts) {
    const res = await putPart(witnessUrl, sub.id, p.name, p.bytes);
    if (res.status !== 201 && res.status !== 200) throw new Error(`PUT ${p.name}: ${res.status} ${await res.text()}`);
  }
  const res = await seal(witnessUrl, sub.id, sub.seal);
  if (res.status !== 200) throw new Error(`seal: ${res.status} ${await res.text()}`);
}

/** What the API answers for a stored part (PUT 200/201, and each entry of GET status). */
export const StoredPartSchema = z.object({ name: z.string(), size: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();
export type StoredPartJson = z.infer<typeof StoredPartSchema>;

export const SubmissionStatusSchema = z
  .object({ id: z.string(), sealed: z.boolean(), parts: z.array(StoredPartSchema) })
  .strict();
export type SubmissionStatusJson = z.infer<typeof SubmissionStatusSchema>;

/** The one error shape of the API. Extra members are allowed next to code and message. */
export const ApiErrorSchema = z.object({
  error: z.object({ code: z.string().min(1), message: z.string().min(1) }).passthrough(),
});

export const SealResponseSchema = z.object({ sealed: z.literal(true), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).strict();

/** GET /api/v1/submissions/:id: the parsed status, or null on 404 (anything else throws). */
export async function getStatus(witnessUrl: string, id: string): Promise<SubmissionStatusJson | null> {
  const res = await fetch(`${witnessUrl}/api/v1/submissions/${id}`);
  if (res.status === 404) {
    ApiErrorSchema.parse(await res.json());
    return null;
  }
  if (res.status !== 200) throw new Error(`GET status of ${id}: ${res.status} ${await res.text()}`);
  return SubmissionStatusSchema.parse(await res.json());
}

/** Where the store keeps a part's ciphertext (server/storage/submission-store.ts). */
export function blobPath(dataDir: string, id: string, name: string): string {
  return path.join(dataDir, "blobs", id, name);
}

export function sha256Node(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
