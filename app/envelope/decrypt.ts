/**
 * Reading the envelope: used by the offline CLI and by tests. Every function checks that the
 * part is the one it claims to be (literal-data name), not merely that it decrypts.
 */
import { decrypt, decryptSessionKeys, readMessage, type PrivateKey } from "openpgp";
import {
  FileDescriptionSchema,
  ManifestSchema,
  literalName,
  type FileDescription,
  type Manifest,
  type PartRef,
  type SubmissionId,
} from "./format";
import { fromHex } from "./hex";
import { pgpConfig } from "./pgp-config";

export class EnvelopeError extends Error {
  override name = "EnvelopeError";
}

async function decryptWithSessionKey(bytes: Uint8Array, sessionKey: Uint8Array) {
  const message = await readMessage({ binaryMessage: bytes, config: pgpConfig });
  return decrypt({
    message,
    sessionKeys: { data: sessionKey, algorithm: "aes256" },
    format: "binary",
    config: pgpConfig,
  });
}

export async function recoverSessionKey(bytes: Uint8Array, keys: readonly PrivateKey[]): Promise<Uint8Array> {
  const message = await readMessage({ binaryMessage: bytes, config: pgpConfig });
  const found = await decryptSessionKeys({ message, decryptionKeys: [...keys], config: pgpConfig });
  const first = found[0];
  if (!first || first.algorithm !== "aes256") {
    throw new EnvelopeError("no AES-256 session key could be recovered with the given keys");
  }
  return first.data;
}

/** Decrypts one part with a known session key and checks its literal-data binding. */
export async function openPart(args: {
  bytes: Uint8Array;
  sessionKey: Uint8Array;
  submissionId: SubmissionId;
  part: PartRef;
}): Promise<Uint8Array> {
  const result = await decryptWithSessionKey(args.bytes, args.sessionKey);
  const expected = literalName(args.submissionId, args.part);
  if (result.filename !== expected) {
    throw new EnvelopeError(`part is bound to "${result.filename}", expected "${expected}"`);
  }
  if (!(result.data instanceof Uint8Array)) throw new EnvelopeError("decrypted data is not binary");
  return result.data;
}

function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
}

export async function decryptHeader(args: {
  bytes: Uint8Array;
  keys: readonly PrivateKey[];
  submissionId: SubmissionId;
  file: number;
}): Promise<{ sessionKey: Uint8Array; chunkKey: Uint8Array; description: FileDescription }> {
  const sessionKey = await recoverSessionKey(args.bytes, args.keys);
  const plaintext = await openPart({
    bytes: args.bytes,
    sessionKey,
    submissionId: args.submissionId,
    part: { kind: "header", file: args.file },
  });
  const description = FileDescriptionSchema.parse(parseJson(plaintext));
  if (description.submission !== args.submissionId || description.file !== args.file) {
    throw new EnvelopeError("header describes another file or submission");
  }
  return { sessionKey, chunkKey: fromHex(description.chunkKey), description };
}

export function decryptChunk(args: {
  bytes: Uint8Array;
  /** The file's chunk key, from its header's description. */
  sessionKey: Uint8Array;
  submissionId: SubmissionId;
  file: number;
  chunk: number;
}): Promise<Uint8Array> {
  return openPart({
    bytes: args.bytes,
    sessionKey: args.sessionKey,
    submissionId: args.submissionId,
    part: { kind: "chunk", file: args.file, chunk: args.chunk },
  });
}

export async function decryptManifest(args: {
  bytes: Uint8Array;
  keys: readonly PrivateKey[];
  submissionId: SubmissionId;
}): Promise<Manifest> {
  const sessionKey = await recoverSessionKey(args.bytes, args.keys);
  const plaintext = await openPart({
    bytes: args.bytes,
    sessionKey,
    submissionId: args.submissionId,
    part: { kind: "manifest" },
  });
  const manifest = ManifestSchema.parse(parseJson(plaintext));
  if (manifest.submission !== args.submissionId) throw new EnvelopeError("manifest names another submission");
  return manifest;
}
