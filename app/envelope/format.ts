/**
 * The Testigo envelope, version 1: the one format the browser writes, the server checks and the
 * CLI reads. See docs/adr/0002-envelope-format.md for the reasoning.
 *
 * A submission (id: 128 random bits chosen by the browser) consists of parts:
 *   header-F       per file F: one PKESK per active editor encryption subkey + one SEIPDv1
 *                  packet (session key K_F) holding the file's description (JSON, padded).
 *   chunk-F-C      per chunk C of file F: one lone SEIPDv1 packet encrypted with the file's chunk
 *                  key whose literal-data name binds it to (submission, F, C). The chunk key is
 *                  named inside the header (`chunkKey`); the browser uses K_F itself, so
 *                  `gpg --show-session-key` on the header also yields it. A witness using plain
 *                  gpg cannot choose a PKESK session key, so there it differs (see README).
 *   manifest       PKESKs + SEIPDv1 (its own session key): the report, every file's name, type,
 *                  true size, plaintext SHA-256, and the SHA-256 of every stored ciphertext part.
 *
 * `parts.header` is the SHA-256 of the header's final SEIPD packet only (its bytes from that
 * packet's first header byte to the end), not of the whole header: key rotation rewraps a header's
 * PKESKs offline (`testigo keys rewrap`), which changes the header's bytes, while the manifest,
 * encrypted by the witness, can never be rewritten. The encrypted packet never changes and still
 * binds the file description and chunk key. See app/envelope/header-content.ts.
 */
import { z } from "zod";

export const FORMAT_VERSION = 1;
export const FORMAT_ID = "testigo/1";

export const DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024;
/** The largest chunk plaintext a client may choose; the server's per-part limit derives from it. */
export const MAX_CHUNK_SIZE = 8 * 1024 * 1024;
/** Header plaintext is padded to at least this, so the length of a file name is not visible. */
export const HEADER_PADDED_SIZE = 2048;
/** Manifest plaintext is padded (Padmé) from at least this size, so short reports look alike. */
export const MANIFEST_MIN_PADDED_SIZE = 8192;
export const MAX_FILES = 1000;
export const MAX_CHUNKS_PER_FILE = 1_000_000;

export const SubmissionIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, "submission id must be 32 lowercase hex characters (128 random bits)");
export type SubmissionId = z.infer<typeof SubmissionIdSchema>;

const FileIndex = z.number().int().min(0).max(MAX_FILES - 1);
const ChunkIndex = z.number().int().min(0).max(MAX_CHUNKS_PER_FILE - 1);

export type PartRef =
  | { kind: "header"; file: number }
  | { kind: "chunk"; file: number; chunk: number }
  | { kind: "manifest" };

export function partName(part: PartRef): string {
  switch (part.kind) {
    case "header":
      return `header-${part.file}`;
    case "chunk":
      return `chunk-${part.file}-${part.chunk}`;
    case "manifest":
      return "manifest";
  }
}

const PART_NAME = /^(?:header-(0|[1-9]\d{0,5})|chunk-(0|[1-9]\d{0,5})-(0|[1-9]\d{0,6})|manifest)$/;

export function parsePartName(name: string): PartRef | null {
  const m = PART_NAME.exec(name);
  if (!m) return null;
  if (name === "manifest") return { kind: "manifest" };
  if (m[1] !== undefined) {
    const file = FileIndex.safeParse(Number(m[1]));
    return file.success ? { kind: "header", file: file.data } : null;
  }
  const file = FileIndex.safeParse(Number(m[2]));
  const chunk = ChunkIndex.safeParse(Number(m[3]));
  return file.success && chunk.success ? { kind: "chunk", file: file.data, chunk: chunk.data } : null;
}

/**
 * The literal-data file name inside each encrypted part. Decryptors compare it with the part they
 * asked for, so a part moved to another place (reordered, swapped between files or submissions)
 * is detected even though each part decrypts fine on its own.
 */
export function literalName(submissionId: SubmissionId, part: PartRef): string {
  return `${FORMAT_ID}:${submissionId}:${partName(part)}`;
}

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** The plaintext of a header: what an editor needs to reassemble one file. */
export const FileDescriptionSchema = z
  .object({
    format: z.literal(FORMAT_ID),
    submission: SubmissionIdSchema,
    file: FileIndex,
    name: z.string().max(1024),
    type: z.string().max(255),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    paddedSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    chunkSize: z.number().int().min(1).max(MAX_CHUNK_SIZE),
    chunks: z.number().int().min(1).max(MAX_CHUNKS_PER_FILE),
    /** AES-256 key (hex) of this file's chunks. */
    chunkKey: Sha256Hex,
  })
  .strict();
export type FileDescription = z.infer<typeof FileDescriptionSchema>;

export const ReportSchema = z
  .object({
    what: z.string().max(200_000),
    where: z.string().max(10_000),
    when: z.string().max(10_000),
    who: z.string().max(10_000),
  })
  .strict();
export type Report = z.infer<typeof ReportSchema>;

export const ManifestFileSchema = FileDescriptionSchema.omit({ format: true, submission: true, chunkKey: true })
  .extend({
    sha256: Sha256Hex,
    /**
     * SHA-256 of the file's chunk key. Only someone who knew the key can write it, so a manifest
     * swapped in by someone who holds only the ciphertext (the server, say) is detected.
     */
    chunkKeySha256: Sha256Hex,
    parts: z
      .object({
        /** SHA-256 of the header's final SEIPD packet, not the whole header (see above). */
        header: Sha256Hex,
        chunks: z.array(Sha256Hex).max(MAX_CHUNKS_PER_FILE),
      })
      .strict(),
  })
  .strict();
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export const ManifestSchema = z
  .object({
    format: z.literal(FORMAT_ID),
    submission: SubmissionIdSchema,
    language: z.enum(["es", "en"]),
    /**
     * A follow-up names its thread (the id of the witness's first submission). Written by the
     * witness's browser inside the encryption, so editors can tell the server did not link it.
     */
    thread: SubmissionIdSchema.optional(),
    report: ReportSchema,
    files: z.array(ManifestFileSchema).max(MAX_FILES),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;

/** The seal request: the structure the witness's browser claims to have uploaded. */
export const SealRequestSchema = z
  .object({
    format: z.literal(FORMAT_VERSION),
    files: z.array(z.object({ chunks: z.number().int().min(1).max(MAX_CHUNKS_PER_FILE) }).strict()).max(MAX_FILES),
  })
  .strict();
export type SealRequest = z.infer<typeof SealRequestSchema>;

export function chunkCount(paddedLength: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(paddedLength / chunkSize));
}

/** Every part a sealed submission of this structure must have, in canonical order. */
export function expectedParts(seal: SealRequest): PartRef[] {
  const parts: PartRef[] = [];
  seal.files.forEach((f, file) => {
    parts.push({ kind: "header", file });
    for (let chunk = 0; chunk < f.chunks; chunk++) parts.push({ kind: "chunk", file, chunk });
  });
  parts.push({ kind: "manifest" });
  return parts;
}
