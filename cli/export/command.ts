/**
 * `testigo export --out DIR [--since YYYY-MM-DD]` on the server host: writes every sealed
 * submission (since the day, if given) as one bundle file each, for operators moving ciphertext
 * on removable media. Reads TESTIGO_DATA_DIR like the server; writes nothing into it.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadConfig } from "../../server/config";
import { openDb } from "../../server/storage/db";
import { SubmissionStore } from "../../server/storage/submission-store";
import { writeBundle } from "../../server/export/bundle-writer";
import { bundleFileName } from "../../server/export/bundle-name";

const Options = z.object({
  out: z.string().min(1, "--out DIR is required"),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "--since must be a day, YYYY-MM-DD").optional(),
});

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string" }, since: { type: "string" } } });
  const options = Options.safeParse(values);
  if (!options.success) throw new Error(options.error.issues.map((i) => i.message).join("; "));
  const loaded = loadConfig();
  if (!loaded.ok) throw new Error(loaded.message);
  const db = openDb(path.join(loaded.config.dataDir, "testigo.sqlite"));
  try {
    const store = new SubmissionStore(db, loaded.config.dataDir, loaded.config.limits);
    await mkdir(options.data.out, { recursive: true });
    const sealed = store.listSealed({ sinceDay: options.data.since });
    for (const s of sealed) {
      const target = path.join(options.data.out, bundleFileName(s.sealedDay, s.id));
      const temp = `${target}.partial`;
      const out = createWriteStream(temp, { flags: "wx", mode: 0o600 });
      try {
        await writeBundle(store, [s.id], out);
        await rename(temp, target);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      process.stdout.write(`${path.basename(target)}\n`);
    }
    process.stdout.write(`exported ${sealed.length} sealed submission(s) to ${options.data.out}\n`);
    return 0;
  } finally {
    db.close();
  }
}
