/**
 * The headers file of key rotation: a POSIX tar holding `index.json` and, per submission,
 * `<id>/header-F` for every file and `<id>/manifest`. `testigo export --headers-only` writes it on
 * the server, `testigo keys rewrap` reads it offline and writes one of the same shape with the
 * PKESKs replaced, and `testigo keys import-rewrap` reads that back on the server. Only these
 * small keyed messages travel: the chunks (the media) never leave the server nor change.
 */
import { createWriteStream } from "node:fs";
import { readFile, rename, unlink } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { extract, pack } from "tar-stream";
import { z } from "zod";
import { SubmissionIdSchema, parsePartName } from "../../app/envelope/format";

export const HEADERS_FORMAT = "testigo-headers/1";
const INDEX_NAME = "index.json";
/** Headers are padded to 2 KiB and manifests grow with the file list; far below this. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;
const MTIME = new Date(0);

const KeyedPartName = z.string().refine((n) => {
  const p = parsePartName(n);
  return p !== null && p.kind !== "chunk";
}, "only header-F and manifest parts belong in a headers file");

export const HeadersIndexSchema = z
  .object({
    format: z.literal(HEADERS_FORMAT),
    /** Set by `keys rewrap`: the keyring version the PKESKs now name. Absent in an export. */
    rewrappedToVersion: z.number().int().min(1).optional(),
    submissions: z
      .array(
        z
          .object({
            id: SubmissionIdSchema,
            /** The keyring version the stored header and manifest were encrypted to. */
            keyringVersion: z.number().int().min(0),
            parts: z.array(KeyedPartName).min(1).max(1001),
          })
          .strict(),
      )
      .max(1_000_000),
  })
  .strict();
export type HeadersIndex = z.infer<typeof HeadersIndexSchema>;

export interface HeadersFile {
  index: HeadersIndex;
  /** Keyed by `<id>/<part>`. */
  parts: Map<string, Uint8Array>;
}

export const entryName = (id: string, part: string) => `${id}/${part}`;

/** Writes the file via a temp name and a rename, so a half-written file is never taken for one. */
export async function writeHeadersFile(target: string, file: HeadersFile): Promise<void> {
  const temp = `${target}.partial`;
  const tar = pack();
  const done = pipeline(tar, createWriteStream(temp, { flags: "wx", mode: 0o600 }));
  try {
    const json = Buffer.from(`${JSON.stringify(HeadersIndexSchema.parse(file.index), null, 2)}\n`);
    tar.entry({ name: INDEX_NAME, size: json.length, mode: 0o644, mtime: MTIME }, json);
    for (const s of file.index.submissions) {
      for (const part of s.parts) {
        const bytes = file.parts.get(entryName(s.id, part));
        if (!bytes) throw new Error(`${entryName(s.id, part)}: listed but not given`);
        tar.entry({ name: entryName(s.id, part), size: bytes.length, mode: 0o644, mtime: MTIME }, Buffer.from(bytes));
      }
    }
    tar.finalize();
    await done;
    await rename(temp, target);
  } catch (error) {
    tar.destroy();
    await done.catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads a headers file whole (its entries are small), refusing any entry that is not the index
 * or a keyed part of a listed submission, and any listed part that is missing.
 */
export async function readHeadersFile(file: string): Promise<HeadersFile> {
  const tar = extract();
  const entries = new Map<string, Uint8Array>();
  const consume = (async () => {
    for await (const entry of tar) {
      const name = entry.header.name;
      if (entry.header.type !== "file") throw new Error(`entry ${JSON.stringify(name)} is not a file`);
      if (entries.has(name)) throw new Error(`entry ${JSON.stringify(name)} appears twice`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry) {
        if (!Buffer.isBuffer(chunk)) throw new Error(`entry ${JSON.stringify(name)}: unexpected data`);
        size += chunk.length;
        if (size > MAX_ENTRY_BYTES) throw new Error(`entry ${JSON.stringify(name)} is too large for a header`);
        chunks.push(chunk);
      }
      entries.set(name, new Uint8Array(Buffer.concat(chunks)));
    }
  })();
  await pipeline(Readable.from(await readFile(file)), tar);
  await consume;
  const rawIndex = entries.get(INDEX_NAME);
  if (!rawIndex) throw new Error(`${file}: no ${INDEX_NAME}; not a Testigo headers file`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(rawIndex));
  } catch {
    throw new Error(`${file}: ${INDEX_NAME} is not JSON`);
  }
  const index = HeadersIndexSchema.parse(json);
  const parts = new Map<string, Uint8Array>();
  for (const s of index.submissions) {
    for (const part of s.parts) {
      const bytes = entries.get(entryName(s.id, part));
      if (!bytes) throw new Error(`${file}: ${entryName(s.id, part)} is listed but missing`);
      parts.set(entryName(s.id, part), bytes);
    }
  }
  for (const name of entries.keys()) {
    if (name !== INDEX_NAME && !parts.has(name)) throw new Error(`${file}: entry ${JSON.stringify(name)} is not in the index`);
  }
  return { index, parts };
}
