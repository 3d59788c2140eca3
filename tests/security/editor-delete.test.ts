/**
 * Threat: a deletion that leaves the witness's ciphertext, its part list or its download records
 * behind (on disk, in SQLite, in the write-ahead log), or that leaves no trace of who deleted it.
 * After a delete: no blob directory, no row in any table but one audit line "deleted by X on day
 * D", and the submission is gone from the inbox and downloads.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "~/envelope/hex";
import { utcDay } from "../../server/storage/day";
import { listFiles } from "../support/portal";
import { buildSubmission, fetchRecipients, getStatus, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { EditorClient, addEditor, editorsCli } from "./editor-support";
import { dbPath, queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let alice: EditorClient;
let csrf: string;
let doomed: BuiltSubmission;
let kept: BuiltSubmission;

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  const { recipients } = await fetchRecipients(witnessUrl);
  doomed = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: "borrar.jpg", type: "image/jpeg", data: randomBytes(9000) }] });
  kept = await buildSubmission({ recipients, files: [{ name: "k", type: "t", data: randomBytes(10) }] });
  await uploadAndSeal(witnessUrl, doomed);
  await uploadAndSeal(witnessUrl, kept);
  const { secret } = await addEditor(dataDir, "alice");
  alice = new EditorClient(editorUrl);
  csrf = await alice.loginOk("alice", secret);
});

/** Every row of every table that mentions the id, as "table: row". */
function rowsMentioning(id: string): string[] {
  const tables = queryDb(portal().dataDir, "SELECT name FROM sqlite_master WHERE type = 'table'").flatMap((r) =>
    typeof r === "object" && r !== null && "name" in r && typeof r.name === "string" ? [r.name] : [],
  );
  return tables.flatMap((t) => queryDb(portal().dataDir, `SELECT * FROM "${t}"`).map((row) => `${t}: ${JSON.stringify(row)}`)).filter((line) => line.includes(id));
}

describe("deleting a submission", () => {
  it("(setup) it was downloaded first, so there are download rows to remove as well", async () => {
    expect((await alice.get(`/editor/submissions/${doomed.id}/bundle`)).status).toBe(200);
    await expect.poll(() => queryDb(portal().dataDir, "SELECT count(*) AS n FROM submission_downloads")).toEqual([{ n: 1 }]);
  });

  it("the confirmation page shows it and changes nothing", async () => {
    const page = await alice.get(`/editor/submissions/${doomed.id}/delete`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(doomed.id);
    expect(page.text).toContain("Delete for good");
    expect(await listFiles(path.join(portal().dataDir, "blobs", doomed.id))).toHaveLength(doomed.parts.length);
  });

  it("removes the blobs and every row, leaving exactly one audit line", async () => {
    const res = await alice.post(`/editor/submissions/${doomed.id}/delete`, { csrf, confirm: "yes" });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe("/editor?notice=deleted");

    expect(await listFiles(path.join(portal().dataDir, "blobs", doomed.id))).toEqual([]);
    expect((await listFiles(path.join(portal().dataDir, "blobs"))).some((f) => f.startsWith(doomed.id))).toBe(false);
    const remaining = rowsMentioning(doomed.id);
    // The download's own audit line stays (who took a copy matters after a deletion), plus the deletion.
    expect(remaining.filter((l) => l.startsWith("editor_audit:"))).toEqual([
      `editor_audit: ${JSON.stringify({ seq: 2, day: utcDay(), editor: "alice", action: "download", submission_id: doomed.id })}`,
      `editor_audit: ${JSON.stringify({ seq: 3, day: utcDay(), editor: "alice", action: "delete", submission_id: doomed.id })}`,
    ]);
    expect(remaining.filter((l) => !l.startsWith("editor_audit:"))).toEqual([]);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_audit WHERE action = 'delete'")).toEqual([{ n: 1 }]);
    expect(await getStatus(portal().witnessUrl, doomed.id)).toBeNull();
  });

  it("leaves no copy of the part rows in the database files (secure_delete, WAL checkpointed)", async () => {
    const files = [dbPath(portal().dataDir), `${dbPath(portal().dataDir)}-wal`];
    for (const file of files) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0));
      for (const part of doomed.parts) {
        const sha = createHash("sha256").update(part.bytes).digest("hex");
        expect(bytes.includes(Buffer.from(sha)), `${path.basename(file)} still holds ${part.name}'s hash`).toBe(false);
      }
    }
  });

  it("is gone from the inbox and downloads; the other submission is untouched", async () => {
    const inbox = await alice.get("/editor?notice=deleted");
    expect(inbox.text).toContain("The submission was deleted.");
    expect(inbox.text).not.toContain(doomed.id);
    expect(inbox.text).toContain(kept.id);
    expect((await alice.get(`/editor/submissions/${doomed.id}/bundle`)).status).toBe(404);
    expect((await alice.get(`/editor/submissions/${doomed.id}/delete`)).status).toBe(404);
    expect(await listFiles(path.join(portal().dataDir, "blobs", kept.id))).toHaveLength(kept.parts.length);
  });

  it("the operator sees the deletion in `testigo editors audit`", async () => {
    const audit = await editorsCli(portal().dataDir, ["audit"]);
    expect(audit.code).toBe(0);
    expect(audit.stdout.split("\n")[0]).toBe(`${utcDay()}\talice\tdelete\t${doomed.id}`);
  });

  it("a second delete is a 404 and adds no audit line", async () => {
    const res = await alice.post(`/editor/submissions/${doomed.id}/delete`, { csrf, confirm: "yes" });
    expect(res.status).toBe(404);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_audit WHERE action = 'delete'")).toEqual([{ n: 1 }]);
  });

  it("without the confirmation field nothing is deleted", async () => {
    const res = await alice.post(`/editor/submissions/${kept.id}/delete`, { csrf });
    expect(res.status).toBe(400);
    expect(await getStatus(portal().witnessUrl, kept.id)).not.toBeNull();
  });
});
