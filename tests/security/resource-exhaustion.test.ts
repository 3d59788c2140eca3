/**
 * Threat: the adversary floods the portal (huge parts, endless chunked bodies, submissions that
 * never end) or the disk simply fills up on election night. Limits answer 413 before anything is
 * stored; a low or full disk answers 507 and leaves neither temp files nor damage to what was
 * already acknowledged (promise 5).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicKey } from "openpgp";
import { encryptChunk, newSessionKey } from "~/envelope/encrypt";
import { randomBytes } from "~/envelope/hex";
import { listFiles, rawRequest, removeDataDir, startPortal, type Portal } from "../support/portal";
import { buildSubmission, fetchRecipients, getStatus, newSubmissionId, putPart, seal, sha256Node, type BuiltSubmission } from "../support/submission";
import { dbPath, expectApiError, expectNothingStored, expectPartAbsent, queryDb, readBlob, withPortal } from "./helpers/fixture";

const PART_LIMIT = 20_000;
const MANIFEST_LIMIT = 30_000;
const SUBMISSION_LIMIT = 40_000;

function tmpFiles(p: Portal): Promise<string[]> {
  return listFiles(path.join(p.dataDir, "tmp"));
}

describe("size limits (413)", () => {
  const portal = withPortal({
    env: {
      TESTIGO_MAX_PART_BYTES: String(PART_LIMIT),
      TESTIGO_MAX_MANIFEST_BYTES: String(MANIFEST_LIMIT),
      TESTIGO_MAX_SUBMISSION_BYTES: String(SUBMISSION_LIMIT),
    },
  });
  let recipients: PublicKey[];
  beforeAll(async () => {
    recipients = (await fetchRecipients(portal().witnessUrl)).recipients;
  });

  const partUrl = (id: string, name: string) => `/api/v1/submissions/${id}/parts/${name}`;

  it("a part one byte over the limit is 413 with Content-Length; at the limit it is read (422 for junk)", async () => {
    const id = newSubmissionId();
    await expectApiError(await putPart(portal().witnessUrl, id, "chunk-0-0", randomBytes(PART_LIMIT + 1)), 413, "payload_too_large");
    await expectApiError(await putPart(portal().witnessUrl, id, "header-0", randomBytes(PART_LIMIT + 1)), 413, "payload_too_large");
    await expectApiError(await putPart(portal().witnessUrl, id, "chunk-0-0", randomBytes(PART_LIMIT)), 422, "unprocessable");
    await expectNothingStored(portal(), id);
  });

  it("a valid chunk over the limit is 413 and not stored", async () => {
    const id = newSubmissionId();
    const big = await encryptChunk({ submissionId: id, file: 0, chunk: 0, plaintext: randomBytes(PART_LIMIT), sessionKey: newSessionKey() });
    expect(big.length).toBeGreaterThan(PART_LIMIT);
    await expectApiError(await putPart(portal().witnessUrl, id, "chunk-0-0", big), 413, "payload_too_large");
    await expectNothingStored(portal(), id);
  });

  it("a chunked body (no Content-Length) over the limit is 413 and not stored", async () => {
    const id = newSubmissionId();
    const res = await rawRequest(portal().witnessUrl, {
      method: "PUT",
      path: partUrl(id, "chunk-0-0"),
      headers: { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" },
      body: [randomBytes(8000), randomBytes(8000), randomBytes(8000), randomBytes(8000)],
    });
    expect(res.status, res.text).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: "payload_too_large" } });
    await expectNothingStored(portal(), id);
  });

  it("a declared Content-Length over the limit is refused before any body is sent", async () => {
    const id = newSubmissionId();
    const res = await rawRequest(portal().witnessUrl, {
      method: "PUT",
      path: partUrl(id, "chunk-0-0"),
      headers: { "Content-Type": "application/octet-stream", "Content-Length": 50_000_000_000 },
      body: [],
    });
    expect(res.status).toBe(413);
    await expectNothingStored(portal(), id);
  });

  it("the manifest has its own limit", async () => {
    const id = newSubmissionId();
    const between = randomBytes(Math.floor((PART_LIMIT + MANIFEST_LIMIT) / 2));
    await expectApiError(await putPart(portal().witnessUrl, id, "manifest", between), 422, "unprocessable");
    await expectApiError(await putPart(portal().witnessUrl, id, "chunk-0-0", between), 413, "payload_too_large");
    await expectApiError(await putPart(portal().witnessUrl, id, "manifest", randomBytes(MANIFEST_LIMIT + 1)), 413, "payload_too_large");
    await expectNothingStored(portal(), id);
  });

  it("a submission that would exceed its total is 413 for the part that crosses it; smaller parts and retries still work", async () => {
    const sub = await buildSubmission({ recipients, chunkSize: 8192, files: [{ name: "v.mp4", type: "video/mp4", data: randomBytes(64 * 1024) }] });
    const second = await buildSubmission({ recipients, id: sub.id, files: [{ name: "a", type: "b", data: randomBytes(10) }] });
    let total = 0;
    const stored: string[] = [];
    let refused = 0;
    for (const p of sub.parts.filter((x) => x.part.kind !== "manifest")) {
      const res = await putPart(portal().witnessUrl, sub.id, p.name, p.bytes);
      if (total + p.bytes.length <= SUBMISSION_LIMIT) {
        expect(res.status, p.name).toBe(201);
        total += p.bytes.length;
        stored.push(p.name);
      } else {
        await expectApiError(res, 413, "payload_too_large");
        await expectPartAbsent(portal(), sub.id, p.name);
        refused++;
      }
    }
    expect(stored.length).toBeGreaterThan(1);
    expect(refused).toBeGreaterThan(0);
    // A part that still fits is accepted; an acknowledged part sent again is still 200.
    const header1 = second.parts.find((p) => p.name === "header-0")!.bytes;
    expect(total + header1.length).toBeLessThanOrEqual(SUBMISSION_LIMIT);
    expect((await putPart(portal().witnessUrl, sub.id, "header-1", header1)).status).toBe(201);
    total += header1.length;
    const first = sub.parts[0]!;
    expect((await putPart(portal().witnessUrl, sub.id, first.name, first.bytes)).status).toBe(200);
    expect(queryDb(portal().dataDir, "SELECT total_bytes FROM submissions WHERE id = ?", sub.id)).toEqual([{ total_bytes: total }]);
    expect(await tmpFiles(portal())).toEqual([]);
  });

  it("concurrent parts cannot overshoot the submission total together", async () => {
    const sub = await buildSubmission({ recipients, chunkSize: 8192, files: [{ name: "v.mp4", type: "video/mp4", data: randomBytes(96 * 1024) }] });
    const chunks = sub.parts.filter((p) => p.part.kind === "chunk");
    expect(chunks.reduce((n, p) => n + p.bytes.length, 0)).toBeGreaterThan(SUBMISSION_LIMIT * 2);
    const results = await Promise.all(chunks.map(async (p) => ({ p, status: (await putPart(portal().witnessUrl, sub.id, p.name, p.bytes)).status })));
    expect(results.every((r) => r.status === 201 || r.status === 413)).toBe(true);
    const accepted = results.filter((r) => r.status === 201);
    const acceptedBytes = accepted.reduce((n, r) => n + r.p.bytes.length, 0);
    expect(accepted.length).toBeGreaterThan(0);
    expect(acceptedBytes).toBeLessThanOrEqual(SUBMISSION_LIMIT);
    const rows = queryDb(portal().dataDir, "SELECT sum(size) AS s, count(*) AS n FROM parts WHERE submission_id = ?", sub.id);
    expect(rows).toEqual([{ s: acceptedBytes, n: accepted.length }]);
    expect(queryDb(portal().dataDir, "SELECT total_bytes FROM submissions WHERE id = ?", sub.id)).toEqual([{ total_bytes: acceptedBytes }]);
    expect((await listFiles(path.join(portal().dataDir, "blobs", sub.id))).sort()).toEqual(accepted.map((r) => r.p.name).sort());
  });
});

describe("a submission limit smaller than one part", () => {
  const portal = withPortal({ env: { TESTIGO_MAX_SUBMISSION_BYTES: "3000" } });

  it("the first part of a submission is held to the submission total too", async () => {
    const { recipients } = await fetchRecipients(portal().witnessUrl);
    const sub = await buildSubmission({ recipients, files: [{ name: "a", type: "b", data: randomBytes(8000) }] });
    const chunk = sub.parts.find((p) => p.name === "chunk-0-0")!.bytes;
    expect(chunk.length).toBeGreaterThan(3000);
    await expectApiError(await putPart(portal().witnessUrl, sub.id, "chunk-0-0", chunk), 413, "payload_too_large");
    await expectNothingStored(portal(), sub.id);
  });
});

describe("low disk space (507)", () => {
  let dataDir: string;
  let stored: BuiltSubmission;
  const portal = withPortal(async () => {
    // First, on a normal portal, store part of a submission; then restart with a huge reserve.
    const first = await startPortal();
    dataDir = first.dataDir;
    try {
      const { recipients } = await fetchRecipients(first.witnessUrl);
      stored = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: "a", type: "b", data: randomBytes(6000) }] });
      for (const p of stored.parts.slice(0, 2)) expect((await putPart(first.witnessUrl, stored.id, p.name, p.bytes)).status).toBe(201);
    } finally {
      await first.stop();
    }
    return { dataDir, env: { TESTIGO_MIN_FREE_BYTES: String(2 ** 60) } };
  });

  it("a new part is 507 with nothing stored and no temp file left", async () => {
    const { recipients } = await fetchRecipients(portal().witnessUrl);
    const sub = await buildSubmission({ recipients, files: [{ name: "a", type: "b", data: randomBytes(100) }] });
    for (const p of sub.parts) await expectApiError(await putPart(portal().witnessUrl, sub.id, p.name, p.bytes), 507, "insufficient_storage");
    await expectNothingStored(portal(), sub.id);
    expect(await tmpFiles(portal())).toEqual([]);
  });

  it("what was stored before stays readable and idempotent; its next parts are 507", async () => {
    const status = await getStatus(portal().witnessUrl, stored.id);
    expect(status?.parts.map((p) => p.name).sort()).toEqual(stored.parts.slice(0, 2).map((p) => p.name).sort());
    for (const p of stored.parts.slice(0, 2)) {
      expect(await readBlob(portal().dataDir, stored.id, p.name)).toEqual(p.bytes);
      expect((await putPart(portal().witnessUrl, stored.id, p.name, p.bytes)).status).toBe(200);
    }
    const next = stored.parts[2]!;
    await expectApiError(await putPart(portal().witnessUrl, stored.id, next.name, next.bytes), 507, "insufficient_storage");
    await expectPartAbsent(portal(), stored.id, next.name);
    // Sealing an incomplete submission is still a 409, not a 5xx.
    await expectApiError(await seal(portal().witnessUrl, stored.id, stored.seal), 409, "conflict");
  });
});

describe("a really full disk (ENOSPC on a 2 MiB tmpfs)", () => {
  let mountDir = "";
  let mounted = false;
  let whyNot = "";
  let portal: Portal | undefined;

  const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" });

  beforeAll(async () => {
    mountDir = await mkdtemp(path.join(os.tmpdir(), "testigo-tmpfs-"));
    if (process.platform !== "linux") {
      whyNot = "tmpfs mounts need Linux";
      return;
    }
    const result = sh("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mountDir]);
    mounted = result.status === 0;
    if (!mounted) whyNot = `mount -t tmpfs is not permitted here (needs root/CAP_SYS_ADMIN): ${(result.stderr || String(result.error ?? "")).trim()}`;
  });

  afterAll(async () => {
    await portal?.stop();
    // Never delete through a mount point that is still mounted: unmount first (lazily if busy).
    if (mounted && sh("umount", [mountDir]).status !== 0 && sh("umount", ["-l", mountDir]).status !== 0) return;
    await removeDataDir(mountDir);
  });

  it("every part is 201 or 507 (never 5xx), acknowledged parts survive, and the portal resumes when space returns", async (ctx) => {
    if (!mounted) ctx.skip(whyNot);
    portal = await startPortal({ dataDir: mountDir });
    const { recipients } = await fetchRecipients(portal.witnessUrl);
    // Big parts first, then small ones, to fill the disk to the last few pages (and the database's).
    const big = await buildSubmission({ recipients, chunkSize: 256 * 1024, files: [{ name: "v.mp4", type: "video/mp4", data: randomBytes(3 * 1024 * 1024) }] });
    const small = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(192 * 1024) }] });
    const acked = new Map<string, { id: string; bytes: Uint8Array }>();
    const statuses: number[] = [];
    for (const sub of [big, small]) {
      for (const p of sub.parts) {
        const res = await putPart(portal.witnessUrl, sub.id, p.name, p.bytes);
        const text = await res.text();
        statuses.push(res.status);
        expect([201, 507], `${p.name}: ${text}`).toContain(res.status);
        if (res.status === 201) acked.set(`${sub.id}/${p.name}`, { id: sub.id, bytes: p.bytes });
        else expect(JSON.parse(text)).toMatchObject({ error: { code: "insufficient_storage" } });
      }
    }
    expect(statuses).toContain(201);
    expect(statuses).toContain(507);
    expect(await listFiles(path.join(mountDir, "tmp"))).toEqual([]);
    const check = async (p: Portal) => {
      for (const [key, { id, bytes }] of acked) {
        const name = key.slice(id.length + 1);
        expect(await readBlob(mountDir, id, name), key).toEqual(bytes);
        const status = await getStatus(p.witnessUrl, id);
        expect(status?.parts.find((x) => x.name === name)?.sha256, key).toBe(sha256Node(bytes));
      }
    };
    await check(portal);
    await portal.stop();

    // The operator adds space; the portal restarts on the same data and the witness resumes.
    expect(sh("mount", ["-o", "remount,size=16m", mountDir]).status).toBe(0);
    portal = await startPortal({ dataDir: mountDir });
    await check(portal);
    for (const sub of [big, small]) {
      for (const p of sub.parts) {
        const res = await putPart(portal.witnessUrl, sub.id, p.name, p.bytes);
        expect(res.status, p.name).toBe(acked.has(`${sub.id}/${p.name}`) ? 200 : 201);
      }
      expect((await seal(portal.witnessUrl, sub.id, sub.seal)).status).toBe(200);
    }
    await portal.stop();
    const db = new Database(dbPath(mountDir), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      db.close();
    }
  });
});
