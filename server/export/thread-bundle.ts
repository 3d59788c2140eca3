/**
 * One thread as a bundle (docs/adr/0007-two-way-contact.md): the root's `<id>/index.json` and
 * parts, then `<id>/thread.json` (ThreadIndexSchema), `<id>/witness-key.pgp` (binary public key)
 * when the witness chose a codename, `<id>/replies/<replyId>.pgp` for every reply, then every
 * sealed follow-up as `<fid>/index.json` (naming the thread) and its parts. Read by
 * `testigo decrypt` and `testigo reply`. Everything is read up front, in one snapshot: a thread
 * deleted after the headers went out fails the download instead of sending half of it.
 */
import type { Writable } from "node:stream";
import { THREAD_FORMAT, ThreadIndexSchema, type ThreadIndex } from "../../app/contact/format";
import type { ThreadStore } from "../contacts/thread-store";
import type { SubmissionStore } from "../storage/submission-store";
import { NotBundleable, bundleIndex, jsonEntry, submissionEntries, writeEntries, type BundleEntry } from "./bundle-writer";

export const WITNESS_KEY_FILE = "witness-key.pgp";

export interface ThreadBundlePlan {
  /** The root and its sealed follow-ups: what a finished download marks as downloaded. */
  submissionIds: string[];
  entries: BundleEntry[];
}

/** Throws NotBundleable when the root is absent, unsealed or a follow-up. */
export function planThreadBundle(store: SubmissionStore, threads: ThreadStore, rootId: string): ThreadBundlePlan {
  const root = bundleIndex(store, rootId);
  if (root.thread !== undefined) throw new NotBundleable(`submission ${rootId} is a follow-up; download its thread ${root.thread}`);
  const followUps = threads.followUps(rootId).map((f) => bundleIndex(store, f.id));
  const replies = threads.replies(rootId);
  const contact = threads.contactOf(rootId);
  const index: ThreadIndex = ThreadIndexSchema.parse({
    format: THREAD_FORMAT,
    thread: rootId,
    followUps: followUps.map((f) => ({ id: f.submission, day: f.day })),
    replies: replies.map((r) => ({ id: r.id, day: r.day, size: r.size, sha256: r.sha256 })),
    witnessKey: contact ? WITNESS_KEY_FILE : null,
  });
  return {
    submissionIds: [rootId, ...followUps.map((f) => f.submission)],
    entries: [
      ...submissionEntries(store, root),
      jsonEntry(`${rootId}/thread.json`, index),
      ...(contact ? [{ name: `${rootId}/${WITNESS_KEY_FILE}`, data: contact.publicKey }] : []),
      ...replies.map((r): BundleEntry => ({ name: `${rootId}/replies/${r.id}.pgp`, data: r.message })),
      ...followUps.flatMap((f) => submissionEntries(store, f)),
    ],
  };
}

export async function writeThreadBundle(plan: ThreadBundlePlan, out: Writable): Promise<void> {
  await writeEntries(plan.entries, out);
}
