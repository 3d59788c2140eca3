/**
 * The headers file of key rotation: a POSIX tar holding `index.json` and, per submission,
 * `<id>/header-F` for every file and `<id>/manifest`, and per editor reply
 * `<thread>/replies/<reply>.pgp`. `testigo export --headers-only` writes it on the server,
 * `testigo keys rewrap` reads it offline and writes one of the same shape with the PKESKs
 * replaced, and `testigo keys import-rewrap` reads that back on the server. Only these small
 * keyed messages travel: the chunks (the media) never leave the server nor change.
 *
 * Replies (docs/adr/0007-two-way-contact.md) were added to format 1 without bumping it: the
 * index's `replies` list is optional and written only when there are replies, so a file without
 * any is byte-for-byte what older versions wrote and read, and an older file still reads here.
 * An older reader given a file with replies refuses the whole file (its index schema is strict:
 * unknown key `replies`) rather than silently dropping them, which is the failure we want.
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

/** Reply ids are 16 random bytes in hex (server/contacts/thread-store.ts). */
const ReplyIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "a reply id is 32 lowercase hex digits");

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
    /**
     * Editor replies, each encrypted to the witness's key and the editor keys active when it was
     * sent. `witnessKeyId` (the witness's encryption subkey, 16 hex digits) tells `keys rewrap`
     * which session-key packet to keep as it is: the witness's public key is not in this file,
     * and that packet must not change anyway. The server checks it against its own record.
     */
    replies: z
      .array(
        z
          .object({
            id: ReplyIdSchema,
            thread: SubmissionIdSchema,
            witnessKeyId: z.string().regex(/^[0-9a-f]{16}$/, "a key ID is 16 lowercase hex digits"),
          })
          .strict(),
      )
      .max(1_000_000)
      .optional(),
  })
  .strict();
export type HeadersIndex = z.infer<typeof HeadersIndexSchema>;

export interface HeadersFile {
  index: HeadersIndex;
  /** Keyed by `<id>/<part>`. */
  parts: Map<string, Uint8Array>;
  /** The replies' messages, keyed by reply id (ids are unique across threads). */
  replies: Map<string, Uint8Array>;
}

export const entryName = (id: string, part: string) => `${id}/${part}`;
export const replyEntryName = (thread: string, id: string) => `${thread}/replies/${id}.pgp`;

/** Writes the file via a temp name and a rename, so a half-written file is never taken for one. */
export async function writeHeadersFile(target: string, file: HeadersFile): Promise<void> {
  const temp = `${target}.partial`;
  const tar = pack();
  const done = pipeline(tar, createWriteStream(temp, { flags: "wx", mode: 0o600 }));
  try {
    // No replies: no `replies` key at all, so the file stays readable by versions without it.
    const { replies, ...rest } = file.index;
    const index = replies && replies.length > 0 ? { ...rest, replies } : rest;
    const json = Buffer.from(`${JSON.stringify(HeadersIndexSchema.parse(index), null, 2)}\n`);
    tar.entry({ name: INDEX_NAME, size: json.length, mode: 0o644, mtime: MTIME }, json);
    for (const s of file.index.submissions) {
      for (const part of s.parts) {
        const bytes = file.parts.get(entryName(s.id, part));
        if (!bytes) throw new Error(`${entryName(s.id, part)}: listed but not given`);
        tar.entry({ name: entryName(s.id, part), size: bytes.length, mode: 0o644, mtime: MTIME }, Buffer.from(bytes));
      }
    }
    for (const r of file.index.replies ?? []) {
      const bytes = file.replies.get(r.id);
      if (!bytes) throw new Error(`${replyEntryName(r.thread, r.id)}: listed but not given`);
      tar.entry({ name: replyEntryName(r.thread, r.id), size: bytes.length, mode: 0o644, mtime: MTIME }, Buffer.from(bytes));
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
 * Reads a headers file whole (its entries are small), refusing any entry that is not the index,
 * a keyed part of a listed submission or a listed reply, and anything listed that is missing.
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
  const replies = new Map<string, Uint8Array>();
  const replyEntries = new Set<string>();
  for (const r of index.replies ?? []) {
    const name = replyEntryName(r.thread, r.id);
    if (replies.has(r.id)) throw new Error(`${file}: reply ${r.id} is listed twice`);
    const bytes = entries.get(name);
    if (!bytes) throw new Error(`${file}: ${name} is listed but missing`);
    replies.set(r.id, bytes);
    replyEntries.add(name);
  }
  for (const name of entries.keys()) {
    if (name !== INDEX_NAME && !parts.has(name) && !replyEntries.has(name)) throw new Error(`${file}: entry ${JSON.stringify(name)} is not in the index`);
  }
  return { index, parts, replies };
}
