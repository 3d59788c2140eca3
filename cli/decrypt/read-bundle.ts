/**
 * Unpacks an export bundle (tar) into a scratch directory, one folder per submission, refusing
 * any entry that is not `<id>/index.json`, `<id>/<part name>` or one of a thread's files
 * (`<id>/thread.json`, `<id>/witness-key.pgp`, `<id>/replies/<reply id>.pgp`): a hostile bundle
 * must not write outside the scratch directory. Then checks every part against its index. Streams
 * entries to disk, so memory stays bounded whatever the bundle's size.
 *
 * A thread's files go to a folder of their own (`<id>.thread/`), not beside the root's parts:
 * the submission check reports anything in a submission's folder its manifest does not list.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type Extract } from "tar-stream";
import { BundleIndexSchema, type BundleIndex } from "../../app/bundle/index-schema";
import { SubmissionIdSchema, parsePartName } from "../../app/envelope/format";

export interface UnpackedSubmission {
  id: string;
  dir: string;
  index: BundleIndex | null;
  problems: string[];
}

/** The thread files of one root found in the bundle (docs/adr/0007-two-way-contact.md). */
export interface UnpackedThread {
  /** The root submission's id, which is the thread's id. */
  id: string;
  /** Holds thread.json, witness-key.pgp and replies/<reply id>.pgp as far as present. */
  dir: string;
  hasThreadJson: boolean;
  hasWitnessKey: boolean;
  /** Reply id → size and SHA-256 of the ciphertext as found in the bundle. */
  replies: Map<string, { size: number; sha256: string }>;
}

export interface UnpackedBundle {
  submissions: UnpackedSubmission[];
  threads: Map<string, UnpackedThread>;
}

export const THREAD_FILE = "thread.json";
export const WITNESS_KEY_FILE = "witness-key.pgp";
export const REPLIES_DIR = "replies";
const REPLY_FILE = /^([0-9a-f]{32})\.pgp$/;

/** Where a thread's files are unpacked: beside, never inside, the root's folder of parts. */
export function threadScratchDir(scratchDir: string, id: string): string {
  return path.join(scratchDir, `${id}.thread`);
}

type ThreadEntry = { kind: "thread-json" } | { kind: "witness-key" } | { kind: "reply"; replyId: string };

function threadEntry(rest: readonly string[]): ThreadEntry | null {
  if (rest.length === 1 && rest[0] === THREAD_FILE) return { kind: "thread-json" };
  if (rest.length === 1 && rest[0] === WITNESS_KEY_FILE) return { kind: "witness-key" };
  const reply = rest.length === 2 && rest[0] === REPLIES_DIR ? REPLY_FILE.exec(rest[1] ?? "") : null;
  return reply?.[1] ? { kind: "reply", replyId: reply[1] } : null;
}

/** One entry of the tar being read (tar-stream does not export its type). */
type TarEntry = Extract extends AsyncIterable<infer T> ? T : never;

async function writeHashed(source: TarEntry, file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(source, hashing, createWriteStream(file, { flags: "wx", mode: 0o600 }));
  return { size, sha256: hash.digest("hex") };
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export async function unpackBundle(bundleFile: string, scratchDir: string): Promise<UnpackedBundle> {
  const seen = new Map<string, Map<string, string>>();
  const threads = new Map<string, UnpackedThread>();
  const tar = extract();
  const refuse = (name: string, why = "is not a Testigo part") => new Error(`bundle entry ${JSON.stringify(name)} ${why}; refusing the bundle`);
  const consume = (async () => {
    for await (const entry of tar) {
      const [id, name, ...rest] = entry.header.name.split("/");
      const validId = SubmissionIdSchema.safeParse(id);
      // Tools that repack a bundle (GNU tar) add folder entries; they carry nothing to unpack.
      const folder = entry.header.type === "directory" && validId.success && (name === "" || (name === REPLIES_DIR && rest.join("/") === ""));
      if (folder) {
        entry.resume();
        continue;
      }
      const thread = validId.success && name !== undefined && entry.header.type === "file" ? threadEntry([name, ...rest]) : null;
      if (validId.success && thread) {
        const dir = threadScratchDir(scratchDir, validId.data);
        const known = threads.get(validId.data) ?? { id: validId.data, dir, hasThreadJson: false, hasWitnessKey: false, replies: new Map() };
        threads.set(validId.data, known);
        await mkdir(path.join(dir, REPLIES_DIR), { recursive: true });
        const duplicate =
          (thread.kind === "thread-json" && known.hasThreadJson) ||
          (thread.kind === "witness-key" && known.hasWitnessKey) ||
          (thread.kind === "reply" && known.replies.has(thread.replyId));
        if (duplicate) throw refuse(entry.header.name, "is in the bundle twice");
        if (thread.kind === "thread-json") {
          await writeHashed(entry, path.join(dir, THREAD_FILE));
          known.hasThreadJson = true;
        } else if (thread.kind === "witness-key") {
          await writeHashed(entry, path.join(dir, WITNESS_KEY_FILE));
          known.hasWitnessKey = true;
        } else {
          known.replies.set(thread.replyId, await writeHashed(entry, path.join(dir, REPLIES_DIR, `${thread.replyId}.pgp`)));
        }
        continue;
      }
      const validName = name === "index.json" || (name !== undefined && parsePartName(name) !== null);
      if (entry.header.type !== "file" || rest.length > 0 || !validId.success || !validName || name === undefined) {
        throw refuse(entry.header.name);
      }
      const files = seen.get(validId.data) ?? new Map<string, string>();
      seen.set(validId.data, files);
      if (files.has(name)) throw new Error(`bundle holds ${entry.header.name} twice; refusing the bundle`);
      const dir = path.join(scratchDir, validId.data);
      await mkdir(dir, { recursive: true });
      files.set(name, (await writeHashed(entry, path.join(dir, name))).sha256);
    }
  })();
  await pipeline(createReadStream(bundleFile), tar);
  await consume;

  const result: UnpackedSubmission[] = [];
  for (const [id, files] of seen) {
    const dir = path.join(scratchDir, id);
    const problems: string[] = [];
    let index: BundleIndex | null = null;
    if (files.has("index.json")) {
      const parsed = BundleIndexSchema.safeParse(parseJsonOrNull(await readFile(path.join(dir, "index.json"), "utf8")));
      if (parsed.success && parsed.data.submission === id) index = parsed.data;
      else problems.push("index.json: not a valid index for this submission");
    } else {
      problems.push("index.json: missing");
    }
    if (index) {
      for (const part of index.parts) {
        const actual = files.get(part.name);
        if (actual === undefined) problems.push(`${part.name}: listed in the index but missing from the bundle`);
        else if (actual !== part.sha256) problems.push(`${part.name}: differs from the index (altered in transit?)`);
      }
      const listed = new Set(index.parts.map((p) => p.name));
      for (const name of files.keys()) {
        if (name !== "index.json" && !listed.has(name)) problems.push(`${name}: in the bundle but not in its index`);
      }
    }
    result.push({ id, dir, index, problems });
  }
  return { submissions: result, threads };
}
