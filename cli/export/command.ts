/**
 * `testigo export --out DIR [--since YYYY-MM-DD]` on the server host: writes every thread with a
 * sealed submission (since the day, if given) as one bundle file each, for operators moving
 * ciphertext on removable media: the first submission, its sealed follow-ups, the replies and the
 * witness's public key, exactly as the editor interface's thread download has them (so
 * `testigo decrypt` and `testigo reply` read either). Reads TESTIGO_DATA_DIR like the server;
 * writes nothing into it.
 *
 * `--headers-only` writes instead one small headers file (server/export/headers-file.ts) holding
 * every selected submission's headers and manifest, and every editor reply (sent since the day,
 * if given: a reply is dated by its own day, not its thread's), for `testigo keys rewrap` on the
 * offline machine: key rotation without moving or changing the media. Replies travel too because
 * each is encrypted to the editor keys active when it was sent: left out, they would become
 * unreadable to the editors once the retired keys are destroyed.
 */
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadConfig } from "../../server/config";
import { openDb } from "../../server/storage/db";
import { SubmissionStore } from "../../server/storage/submission-store";
import { ThreadStore } from "../../server/contacts/thread-store";
import { planThreadBundle, writeThreadBundle } from "../../server/export/thread-bundle";
import { bundleFileName } from "../../server/export/bundle-name";
import { HEADERS_FORMAT, entryName, writeHeadersFile, type HeadersFile } from "../../server/export/headers-file";
import { parsePartName } from "../../app/envelope/format";
import { utcDay } from "../../server/storage/day";

const Options = z.object({
  out: z.string().min(1, "--out DIR is required"),
  "headers-only": z.boolean().default(false),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "--since must be a day, YYYY-MM-DD").optional(),
});

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string" }, since: { type: "string" }, "headers-only": { type: "boolean" } } });
  const options = Options.safeParse(values);
  if (!options.success) throw new Error(options.error.issues.map((i) => i.message).join("; "));
  const loaded = loadConfig();
  if (!loaded.ok) throw new Error(loaded.message);
  const db = openDb(path.join(loaded.config.dataDir, "testigo.sqlite"));
  try {
    const store = new SubmissionStore(db, loaded.config.dataDir, loaded.config.limits);
    await mkdir(options.data.out, { recursive: true });
    const sealed = store.listSealed({ sinceDay: options.data.since });
    const threads = new ThreadStore(db);
    if (options.data["headers-only"]) return await exportHeaders(store, threads, sealed.map((s) => s.id), options.data.out, options.data.since);
    // A follow-up sealed since the day brings its whole thread: an editor reads it in context.
    const roots = new Map<string, string>();
    for (const s of sealed) {
      const root = threads.threadOf(s.id) ?? s.id;
      const rootStatus = store.status(root);
      if (rootStatus?.sealedDay && !roots.has(root)) roots.set(root, rootStatus.sealedDay);
    }
    for (const [root, day] of roots) {
      const target = path.join(options.data.out, bundleFileName(day, root));
      const temp = `${target}.partial`;
      const out = createWriteStream(temp, { flags: "wx", mode: 0o600 });
      try {
        await writeThreadBundle(planThreadBundle(store, threads, root), out);
        await rename(temp, target);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      process.stdout.write(`${path.basename(target)}\n`);
    }
    process.stdout.write(`exported ${sealed.length} sealed submission(s) in ${roots.size} thread bundle(s) to ${options.data.out}\n`);
    return 0;
  } finally {
    db.close();
  }
}

async function exportHeaders(store: SubmissionStore, threads: ThreadStore, ids: readonly string[], outDir: string, sinceDay: string | undefined): Promise<number> {
  const replies = threads.repliesForRewrap({ sinceDay });
  const file: HeadersFile = {
    index: { format: HEADERS_FORMAT, submissions: [], replies: replies.map((r) => ({ id: r.id, thread: r.thread, witnessKeyId: r.witnessKeyId })) },
    parts: new Map(),
    replies: new Map(replies.map((r) => [r.id, r.message])),
  };
  for (const id of ids) {
    const status = store.status(id);
    if (!status) continue;
    const names = status.parts.map((p) => p.name).filter((name) => parsePartName(name)?.kind !== "chunk");
    for (const name of names) file.parts.set(entryName(id, name), new Uint8Array(await readFile(store.partPath(id, name))));
    file.index.submissions.push({ id, keyringVersion: status.keyringVersion, parts: names });
  }
  // The day only, like everything else the server keeps: the file name must not record the time.
  const target = path.join(outDir, `testigo-headers-${utcDay()}.tar`);
  await writeHeadersFile(target, file);
  process.stdout.write(`${path.basename(target)}\nexported the headers and manifests of ${file.index.submissions.length} sealed submission(s) and ${replies.length} editor reply(ies) to ${outDir}\n`);
  return 0;
}
