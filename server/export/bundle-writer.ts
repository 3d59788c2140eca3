/**
 * Streams sealed submissions as one tar bundle (see app/bundle/index-schema.ts) without buffering
 * parts: each part file is piped into the tar stream in turn. Used by the editor download and by
 * `testigo export`. Only sealed submissions can be bundled; unsealed ones do not exist for editors.
 * A follow-up's index names its thread (docs/adr/0007-two-way-contact.md); the thread's own
 * files (thread.json, the witness key, replies) are added by ./thread-bundle.ts.
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Writable } from "node:stream";
import { pack } from "tar-stream";
import { BUNDLE_FORMAT, type BundleIndex } from "../../app/bundle/index-schema";
import type { SubmissionStore } from "../storage/submission-store";

/** A fixed mtime: the bundle must not reveal when parts were written. */
const BUNDLE_MTIME = new Date(0);

export class NotBundleable extends Error {
  override name = "NotBundleable";
}

/** One file of a bundle: bytes in memory (small: indexes, keys, replies) or a blob on disk. */
export type BundleEntry = { name: string; data: Uint8Array } | { name: string; file: string; size: number };

export function bundleIndex(store: SubmissionStore, id: string): BundleIndex {
  const status = store.status(id);
  if (!status || !status.sealedDay) throw new NotBundleable(`submission ${id} does not exist or is not sealed`);
  return {
    format: BUNDLE_FORMAT,
    submission: id,
    day: status.sealedDay,
    ...(status.threadId !== null ? { thread: status.threadId } : {}),
    parts: status.parts,
  };
}

export function jsonEntry(name: string, value: unknown): BundleEntry {
  return { name, data: Buffer.from(`${JSON.stringify(value, null, 2)}\n`) };
}

/** `<id>/index.json` followed by `<id>/<part>` for every part. */
export function submissionEntries(store: SubmissionStore, index: BundleIndex): BundleEntry[] {
  return [
    jsonEntry(`${index.submission}/index.json`, index),
    ...index.parts.map((part): BundleEntry => ({ name: `${index.submission}/${part.name}`, file: store.partPath(index.submission, part.name), size: part.size })),
  ];
}

export async function writeEntries(entries: readonly BundleEntry[], out: Writable): Promise<void> {
  const tar = pack();
  const done = pipeline(tar, out);
  try {
    for (const entry of entries) {
      if ("data" in entry) {
        tar.entry({ name: entry.name, size: entry.data.length, mode: 0o644, mtime: BUNDLE_MTIME }, Buffer.from(entry.data));
        continue;
      }
      const stream = tar.entry({ name: entry.name, size: entry.size, mode: 0o644, mtime: BUNDLE_MTIME });
      await pipeline(createReadStream(entry.file), stream);
    }
    tar.finalize();
  } catch (error) {
    tar.destroy(error instanceof Error ? error : new Error(String(error)));
  }
  await done;
}

export async function writeBundle(store: SubmissionStore, ids: readonly string[], out: Writable): Promise<void> {
  const indexes = ids.map((id) => bundleIndex(store, id));
  await writeEntries(
    indexes.flatMap((index) => submissionEntries(store, index)),
    out,
  );
}
