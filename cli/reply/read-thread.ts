/**
 * Reads from a thread bundle (tar, the editor's download of one thread) only what a reply needs:
 * the root's `thread.json` and the witness's public key. Every other entry (ciphertext parts,
 * replies, follow-ups) is skipped unread, so a multi-GB bundle costs no memory.
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import { MAX_WITNESS_PUBLIC_KEY_BYTES, ThreadIndexSchema, type ThreadIndex } from "../../app/contact/format";
import { SubmissionIdSchema } from "../../app/envelope/format";

/** thread.json lists at most 10,000 follow-ups and 10,000 replies of ~150 bytes each. */
const MAX_THREAD_JSON_BYTES = 4 * 1024 * 1024;

export interface ThreadForReply {
  index: ThreadIndex;
  /** Binary public key, or null when the witness chose no codename. */
  witnessKey: Uint8Array | null;
}

export class ThreadBundleError extends Error {
  override name = "ThreadBundleError";
}

async function readCapped(entry: AsyncIterable<unknown>, max: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of entry) {
    if (!(chunk instanceof Uint8Array)) throw new ThreadBundleError(`${what}: unreadable entry`);
    size += chunk.length;
    if (size > max) throw new ThreadBundleError(`${what}: larger than ${max} bytes; not a Testigo thread bundle`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export async function readThreadForReply(bundleFile: string): Promise<ThreadForReply> {
  const indexes = new Map<string, Uint8Array>();
  const keys = new Map<string, Uint8Array>();
  const tar = extract();
  const consume = (async () => {
    for await (const entry of tar) {
      const [id, name, ...rest] = entry.header.name.split("/");
      const root = SubmissionIdSchema.safeParse(id);
      const wanted = root.success && rest.length === 0 && entry.header.type === "file";
      if (wanted && name === "thread.json") indexes.set(root.data, await readCapped(entry, MAX_THREAD_JSON_BYTES, entry.header.name));
      else if (wanted && name === "witness-key.pgp") keys.set(root.data, await readCapped(entry, MAX_WITNESS_PUBLIC_KEY_BYTES, entry.header.name));
      else entry.resume();
    }
  })();
  await pipeline(createReadStream(bundleFile), tar);
  await consume;

  if (indexes.size === 0) {
    throw new ThreadBundleError(`${bundleFile} holds no thread.json: download the thread's bundle from its page (/editor/submissions/<id>), not an inbox bundle`);
  }
  const [first, ...others] = [...indexes];
  if (!first || others.length > 0) throw new ThreadBundleError(`${bundleFile} holds ${indexes.size} threads; a reply goes to one: use one thread's bundle`);
  const [root, bytes] = first;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ThreadBundleError(`${root}/thread.json is not JSON`);
  }
  const parsed = ThreadIndexSchema.safeParse(json);
  if (!parsed.success || parsed.data.thread !== root) throw new ThreadBundleError(`${root}/thread.json is not a valid index of thread ${root}`);
  const witnessKey = keys.get(root) ?? null;
  if (parsed.data.witnessKey !== null && witnessKey === null) throw new ThreadBundleError(`${root}/witness-key.pgp is listed in thread.json but missing from the bundle`);
  return { index: parsed.data, witnessKey: parsed.data.witnessKey === null ? null : witnessKey };
}
