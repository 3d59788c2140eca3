/**
 * Streams sealed submissions as one tar bundle (see app/bundle/index-schema.ts) without buffering
 * parts: each part file is piped into the tar stream in turn. Used by the editor download and by
 * `testigo export`. Only sealed submissions can be bundled; unsealed ones do not exist for editors.
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

export function bundleIndex(store: SubmissionStore, id: string): BundleIndex {
  const status = store.status(id);
  if (!status || !status.sealedDay) throw new NotBundleable(`submission ${id} does not exist or is not sealed`);
  return { format: BUNDLE_FORMAT, submission: id, day: status.sealedDay, parts: status.parts };
}

export async function writeBundle(store: SubmissionStore, ids: readonly string[], out: Writable): Promise<void> {
  const indexes = ids.map((id) => bundleIndex(store, id));
  const tar = pack();
  const done = pipeline(tar, out);
  try {
    for (const index of indexes) {
      const json = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
      tar.entry({ name: `${index.submission}/index.json`, size: json.length, mode: 0o644, mtime: BUNDLE_MTIME }, json);
      for (const part of index.parts) {
        const entry = tar.entry({ name: `${index.submission}/${part.name}`, size: part.size, mode: 0o644, mtime: BUNDLE_MTIME });
        await pipeline(createReadStream(store.partPath(index.submission, part.name)), entry);
      }
    }
    tar.finalize();
  } catch (error) {
    tar.destroy(error instanceof Error ? error : new Error(String(error)));
  }
  await done;
}
