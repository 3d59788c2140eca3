/**
 * Threat: a download leaks or mangles ciphertext, or the browser treats the bundle as a page.
 * The bundle is served with exact, server-made headers (attachment, octet-stream, nosniff,
 * CSP sandbox, no-store), holds index.json plus every part with the SHA-256 the server stored,
 * marks the submission downloaded with one audit line per submission, and unsealed submissions
 * are neither listed nor downloadable.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { BundleIndexSchema } from "~/bundle/index-schema";
import { randomBytes } from "~/envelope/hex";
import { utcDay } from "../../server/storage/day";
import { rawRequest } from "../support/portal";
import { buildSubmission, fetchRecipients, putPart, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { EditorClient, addEditor, untar, withDb } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let alice: EditorClient;
let sealed: BuiltSubmission;
let second: BuiltSubmission;
let unsealed: BuiltSubmission;

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  const { secret } = await addEditor(dataDir, "alice");
  alice = new EditorClient(editorUrl);
  await alice.loginOk("alice", secret);
  const { recipients } = await fetchRecipients(witnessUrl);
  sealed = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: "acta.jpg", type: "image/jpeg", data: randomBytes(10_000) }, { name: "b.txt", type: "text/plain", data: randomBytes(10) }] });
  second = await buildSubmission({ recipients, files: [{ name: "v.mp4", type: "video/mp4", data: randomBytes(3000) }] });
  unsealed = await buildSubmission({ recipients, files: [{ name: "x", type: "y", data: randomBytes(100) }] });
  await uploadAndSeal(witnessUrl, sealed);
  await uploadAndSeal(witnessUrl, second);
  for (const p of unsealed.parts) expect((await putPart(witnessUrl, unsealed.id, p.name, p.bytes)).status).toBe(201);
});

describe("downloading one submission", () => {
  it("answers with exact headers and a bundle whose parts match the index and the stored hashes", async () => {
    const res = await alice.get(`/editor/submissions/${sealed.id}/bundle`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/octet-stream");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="testigo-${utcDay()}-${sealed.id.slice(0, 8)}.tar"`);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toBe("sandbox");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["set-cookie"]).toBeUndefined();
    // Streamed, not buffered into one Content-Length answer.
    expect(res.headers["transfer-encoding"]).toBe("chunked");

    const files = await untar(res.body);
    const index = BundleIndexSchema.parse(JSON.parse(files.get(`${sealed.id}/index.json`)!.toString("utf8")));
    expect(index.submission).toBe(sealed.id);
    expect(index.parts.map((p) => p.name).sort()).toEqual(sealed.parts.map((p) => p.name).sort());
    // One submission is a thread of one: its thread.json says so (no follow-ups, no replies, no key).
    expect([...files.keys()].sort()).toEqual([`${sealed.id}/index.json`, `${sealed.id}/thread.json`, ...sealed.parts.map((p) => `${sealed.id}/${p.name}`)].sort());
    expect(JSON.parse(files.get(`${sealed.id}/thread.json`)!.toString("utf8"))).toEqual({
      format: "testigo-thread/1",
      thread: sealed.id,
      followUps: [],
      replies: [],
      witnessKey: null,
    });
    for (const part of sealed.parts) {
      const inBundle = files.get(`${sealed.id}/${part.name}`)!;
      expect(Buffer.compare(inBundle, Buffer.from(part.bytes)), part.name).toBe(0);
      const listed = index.parts.find((p) => p.name === part.name)!;
      expect(listed.sha256).toBe(sha256(part.bytes));
      expect(listed.size).toBe(part.bytes.length);
    }
  });

  it("marks it downloaded, by this editor today, with one audit line", async () => {
    // Recorded once the last byte has left the server, which can be a moment after the client
    // has read it.
    await expect
      .poll(() => queryDb(portal().dataDir, "SELECT d.day, e.name FROM submission_downloads d JOIN editors e ON e.id = d.editor_id WHERE d.submission_id = ?", sealed.id))
      .toEqual([{ day: utcDay(), name: "alice" }]);
    expect(queryDb(portal().dataDir, "SELECT day, editor, action FROM editor_audit WHERE submission_id = ?", sealed.id)).toEqual([
      { day: utcDay(), editor: "alice", action: "download" },
    ]);
    const inbox = await alice.get("/editor");
    const row = new RegExp(`data-submission="${sealed.id}".*?data-testid="state">(\\w+)<`, "s").exec(inbox.text);
    expect(row?.[1]).toBe("downloaded");
  });

  it("a HEAD request sends the headers but records no download", async () => {
    const before = queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_audit");
    const res = await rawRequest(portal().editorUrl, { method: "HEAD", path: `/editor/submissions/${second.id}/bundle`, headers: { Cookie: alice.cookieHeader() } });
    expect(res.status).toBe(200);
    expect(res.headers["content-security-policy"]).toBe("sandbox");
    expect(res.body.length).toBe(0);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_audit")).toEqual(before);
    expect(queryDb(portal().dataDir, "SELECT * FROM submission_downloads WHERE submission_id = ?", second.id)).toEqual([]);
  });

  it("a download started from another site is refused", async () => {
    for (const site of ["cross-site", "same-site"]) {
      const res = await alice.get(`/editor/submissions/${second.id}/bundle`, { "Sec-Fetch-Site": site });
      expect(res.status, site).toBe(403);
    }
    expect(queryDb(portal().dataDir, "SELECT * FROM submission_downloads WHERE submission_id = ?", second.id)).toEqual([]);
  });
});

describe("downloading all new submissions", () => {
  it("bundles exactly the ones no editor downloaded yet, then there are none", async () => {
    const inbox = await alice.get("/editor");
    expect(inbox.text).toContain("1 new");
    const res = await alice.get("/editor/bundles/new");
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="testigo-${utcDay()}-new.tar"`);
    expect(res.headers["content-security-policy"]).toBe("sandbox");
    const files = await untar(res.body);
    await expect.poll(() => queryDb(portal().dataDir, "SELECT count(*) AS n FROM submission_downloads WHERE submission_id = ?", second.id)).toEqual([{ n: 1 }]);
    expect([...files.keys()].sort()).toEqual([`${second.id}/index.json`, ...second.parts.map((p) => `${second.id}/${p.name}`)].sort());
    for (const part of second.parts) expect(sha256(files.get(`${second.id}/${part.name}`)!)).toBe(sha256(part.bytes));

    const again = await alice.get("/editor/bundles/new");
    expect(again.status).toBe(404);
    expect(again.text).not.toContain(sealed.id);
  });
});

describe("a submission that is not sealed", () => {
  it("is not in the inbox", async () => {
    const inbox = await alice.get("/editor");
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(sealed.id);
    expect(inbox.text).not.toContain(unsealed.id);
    expect(inbox.text).not.toContain(unsealed.id.slice(0, 8));
  });

  it("cannot be downloaded, looked at or deleted", async () => {
    const bundle = await alice.get(`/editor/submissions/${unsealed.id}/bundle`);
    expect(bundle.status).toBe(404);
    expect(bundle.headers["content-disposition"]).toBeUndefined();
    expect((await alice.get(`/editor/submissions/${unsealed.id}/delete`)).status).toBe(404);
    const csrf = await alice.sessionCsrf();
    expect((await alice.post(`/editor/submissions/${unsealed.id}/delete`, { csrf, confirm: "yes" })).status).toBe(404);
    expect(withDb(portal().dataDir, (db) => db.prepare("SELECT count(*) AS n FROM parts WHERE submission_id = ?").get(unsealed.id))).toEqual({ n: unsealed.parts.length });
  });

  it("malformed and unknown ids are the same 404", async () => {
    for (const id of ["0".repeat(32), "not-an-id", `${sealed.id}x`, sealed.id.toUpperCase(), "..%2f..%2fetc"]) {
      const res = await alice.get(`/editor/submissions/${id}/bundle`);
      expect(res.status, id).toBe(404);
    }
  });
});
