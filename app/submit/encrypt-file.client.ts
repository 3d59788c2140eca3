/**
 * One file → its encrypted parts (header, then chunks in order), never the whole file in memory:
 * each chunk is read, hashed, encrypted and handed to `onPart`, whose promise is the back-pressure.
 * The upload and the throughput benchmark both call this, so what is measured is what ships.
 */
import type { PublicKey } from "openpgp";
import { encryptChunk, encryptHeader, newSessionKey } from "~/envelope/encrypt";
import {
  DEFAULT_CHUNK_SIZE,
  FORMAT_ID,
  chunkCount,
  partName,
  type FileDescription,
  type ManifestFile,
  type PartRef,
  type SubmissionId,
} from "~/envelope/format";
import { createSha256, sha256Hex } from "~/envelope/hash";
import { headerContentSha256 } from "~/envelope/header-content";
import { toHex } from "~/envelope/hex";
import { paddedSize } from "~/envelope/padding";
import { SubmitError } from "./errors";

/** The manifest's schema caps these; longer values would make the editors' decryption refuse. */
const MAX_NAME_LENGTH = 1024;
const MAX_TYPE_LENGTH = 255;

export interface EncryptedPart {
  /** The part's name in the upload API: `header-F` or `chunk-F-C`. */
  name: string;
  ref: PartRef;
  bytes: Uint8Array;
  /** SHA-256 (hex) of `bytes`, the ciphertext: what the server must acknowledge. */
  sha256: string;
  /** Padded plaintext bytes this part carries (0 for a header): the unit of progress. */
  plaintextBytes: number;
}

export interface EncryptFileOptions {
  recipients: readonly PublicKey[];
  submissionId: SubmissionId;
  /** The file's index F in the submission, in the order the witness chose the files. */
  index: number;
  /** Overrides the name (a Blob has none, a File's own name is used otherwise). */
  name?: string;
  chunkSize?: number;
  signal?: AbortSignal;
  /** Awaited before the next chunk is read: resolve when there is room for another part. */
  onPart: (part: EncryptedPart) => void | Promise<void>;
}

export interface EncryptedFile {
  description: FileDescription;
  /** SHA-256 of the true plaintext (no padding): what `sha256sum` prints, shown on the receipt. */
  sha256: string;
  manifestEntry: ManifestFile;
}

export async function encryptFileParts(file: Blob, options: EncryptFileOptions): Promise<EncryptedFile> {
  const { recipients, submissionId, index, signal } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const size = file.size;
  const padded = paddedSize(size);
  const chunks = chunkCount(padded, chunkSize);
  const sessionKey = newSessionKey();
  const description: FileDescription = {
    format: FORMAT_ID,
    submission: submissionId,
    file: index,
    name: truncate(options.name ?? fileName(file), MAX_NAME_LENGTH),
    type: truncate(file.type, MAX_TYPE_LENGTH),
    size,
    paddedSize: padded,
    chunkSize,
    chunks,
    // The header's own session key doubles as the chunk key, so `gpg --show-session-key` on the
    // header yields it too (the GnuPG recipe in DESIGN.md); the description names it regardless.
    chunkKey: toHex(sessionKey),
  };

  signal?.throwIfAborted();
  const headerRef: PartRef = { kind: "header", file: index };
  const headerBytes = await encryptHeader({ description, sessionKey, recipients });
  const headerSha = await sha256Hex(headerBytes);
  // The manifest commits to the header's encrypted packet only, so a later offline rewrap of the
  // header's PKESKs (key rotation) leaves the commitment valid; see ~/envelope/header-content.
  const headerContentSha = await headerContentSha256(headerBytes);
  await options.onPart({ name: partName(headerRef), ref: headerRef, bytes: headerBytes, sha256: headerSha, plaintextBytes: 0 });

  const plaintextHash = createSha256();
  const chunkShas: string[] = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    signal?.throwIfAborted();
    const start = chunk * chunkSize;
    const end = Math.min(start + chunkSize, padded);
    const plaintext = await readPadded(file, start, end, description.name);
    // Only the real bytes are hashed: the receipt must match the witness's own copy of the file.
    plaintextHash.update(plaintext.subarray(0, Math.max(0, Math.min(end, size) - start)));
    signal?.throwIfAborted();
    const bytes = await encryptChunk({ submissionId, file: index, chunk, plaintext, sessionKey });
    const sha256 = await sha256Hex(bytes);
    chunkShas.push(sha256);
    const ref: PartRef = { kind: "chunk", file: index, chunk };
    await options.onPart({ name: partName(ref), ref, bytes, sha256, plaintextBytes: end - start });
  }

  const sha256 = plaintextHash.digestHex();
  return {
    description,
    sha256,
    manifestEntry: {
      file: index,
      name: description.name,
      type: description.type,
      size,
      paddedSize: padded,
      chunkSize,
      chunks,
      sha256,
      chunkKeySha256: await sha256Hex(sessionKey),
      parts: { header: headerContentSha, chunks: chunkShas },
    },
  };
}

/** Bytes [start, end) of the padded file: the file's own bytes, then zeros past its end. */
async function readPadded(file: Blob, start: number, end: number, name: string): Promise<Uint8Array> {
  const realEnd = Math.min(end, file.size);
  if (realEnd <= start) return new Uint8Array(end - start);
  let real: Uint8Array;
  try {
    real = new Uint8Array(await file.slice(start, realEnd).arrayBuffer());
  } catch (error) {
    throw new SubmitError("file-unreadable", `cannot read ${name}: ${String(error)}`, name);
  }
  // A file edited or truncated after it was chosen would silently shift every later chunk.
  if (real.length !== realEnd - start) {
    throw new SubmitError("file-unreadable", `${name} changed while it was being read`, name);
  }
  if (real.length === end - start) return real;
  const out = new Uint8Array(end - start);
  out.set(real);
  return out;
}

export function fileName(file: Blob): string {
  return "name" in file && typeof file.name === "string" ? file.name : "";
}

/** Cuts at a code-point boundary, so no half of a surrogate pair ends up in the JSON. */
function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let out = "";
  for (const ch of value) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}
