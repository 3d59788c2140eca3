/**
 * Durability (promise 5): what the server acknowledged (2xx) survives `kill -9` in the middle of
 * a burst of concurrent uploads, byte for byte, in the database and on disk; the restart cleans
 * up temp and orphan files; the witness resumes and seals. And abandoned (unsealed) submissions
 * older than TESTIGO_UNSEALED_TTL_DAYS are swept at start, while sealed and recent ones stay.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicKey } from "openpgp";
import { randomBytes } from "~/envelope/hex";
import { daysBefore, utcDay } from "../../server/storage/day";
import { listFiles, makeDataDir, removeDataDir, startPortal, type Portal, type PortalOptions } from "../support/portal";
import { buildSubmission, fetchRecipients, getStatus, putPart, seal, sha256Node, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { dbPath, readBlob } from "../security/helpers/fixture";

const SUBMISSIONS = 16;
const CHUNK = 256 * 1024;

let dataDir: string;
let recipients: PublicKey[];
/** Every portal this file starts, so a failed assertion never leaves one running. */
const started: Portal[] = [];

async function start(options: PortalOptions): Promise<Portal> {
  const portal = await startPortal(options);
  started.push(portal);
  return portal;
}

beforeAll(async () => {
  dataDir = await makeDataDir();
});

afterAll(async () => {
  for (const portal of started) await portal.kill9();
  await removeDataDir(dataDir);
});

type Acked = Map<string, { sub: BuiltSubmission; name: string; bytes: Uint8Array }>;

/**
 * Uploads every submission's remaining parts, one part at a time per submission and all
 * submissions at once, and kills the portal with SIGKILL as soon as `killAfter` more parts have
 * been acknowledged. Returns how many requests were cut off by the crash.
 */
async function burstAndCrash(portal: Portal, subs: BuiltSubmission[], acked: Acked, killAfter: number): Promise<number> {
  let newlyAcked = 0;
  let failed = 0;
  let killing: Promise<void> | null = null;
  await Promise.all(
    subs.map(async (sub) => {
      for (const p of sub.parts) {
        const key = `${sub.id}/${p.name}`;
        if (acked.has(key)) continue;
        if (killing) return;
        let status: number;
        try {
          const res = await putPart(portal.witnessUrl, sub.id, p.name, p.bytes);
          await res.arrayBuffer();
          status = res.status;
        } catch {
          failed++;
          return;
        }
        if (status === 200 || status === 201) {
          acked.set(key, { sub, name: p.name, bytes: p.bytes });
          newlyAcked++;
          if (newlyAcked >= killAfter && !killing) killing = portal.kill9();
        } else {
          throw new Error(`${key}: unexpected ${status}`);
        }
      }
    }),
  );
  await (killing ?? portal.kill9());
  return failed;
}

/** Every acknowledged part is recorded with its hash and on disk byte for byte; nothing else is. */
async function expectAckedIntact(portal: Portal, subs: BuiltSubmission[], acked: Acked): Promise<void> {
  for (const sub of subs) {
    const status = await getStatus(portal.witnessUrl, sub.id);
    const recorded = new Map((status?.parts ?? []).map((p) => [p.name, p]));
    for (const p of sub.parts) {
      const key = `${sub.id}/${p.name}`;
      if (acked.has(key)) {
        expect(recorded.get(p.name), `${key} was acknowledged before the crash`).toEqual({ name: p.name, size: p.bytes.length, sha256: sha256Node(p.bytes) });
        expect(Buffer.from(await readBlob(dataDir, sub.id, p.name)).equals(Buffer.from(p.bytes)), `${key} on disk`).toBe(true);
      }
    }
    // The blob directory holds exactly the recorded parts: no orphans, nothing missing.
    expect(await listFiles(path.join(dataDir, "blobs", sub.id)), sub.id).toEqual([...recorded.keys()].sort());
    for (const name of recorded.keys()) {
      const built = sub.parts.find((p) => p.name === name)!;
      expect(sha256Node(await readBlob(dataDir, sub.id, name)), `${sub.id}/${name}`).toBe(sha256Node(built.bytes));
    }
  }
  expect(await listFiles(path.join(dataDir, "tmp"))).toEqual([]);
  expect(portal.output()).not.toMatch(/missing from the blob store/);
}

describe("kill -9 during a burst of concurrent uploads", () => {
  it("keeps every acknowledged part byte for byte, cleans up, and lets the witnesses finish", async () => {
    let portal = await start({ dataDir });
    const ports = { witnessPort: portal.witnessPort, editorPort: portal.editorPort };
    recipients = (await fetchRecipients(portal.witnessUrl)).recipients;
    const subs: BuiltSubmission[] = [];
    for (let i = 0; i < SUBMISSIONS; i++) {
      subs.push(
        await buildSubmission({ recipients, chunkSize: CHUNK, files: [{ name: `video-${i}.mp4`, type: "video/mp4", data: randomBytes(3 * CHUNK + 1000) }] }),
      );
    }
    const total = subs.reduce((n, s) => n + s.parts.length, 0);
    const acked: Acked = new Map();

    // Two crashes at different points, each followed by a restart on the same data and ports.
    let cutOff = await burstAndCrash(portal, subs, acked, Math.floor(total / 4));
    expect(acked.size).toBeGreaterThan(0);
    portal = await start({ dataDir, ...ports });
    expect(portal.witnessPort).toBe(ports.witnessPort);
    await expectAckedIntact(portal, subs, acked);

    cutOff += await burstAndCrash(portal, subs, acked, Math.floor(total / 4));
    // The crashes did cut requests off mid-flight (otherwise this test proved nothing).
    expect(cutOff).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(total);
    portal = await start({ dataDir, ...ports });
    await expectAckedIntact(portal, subs, acked);

    // The witnesses resume: acknowledged parts are 200 (same bytes), the rest go in, all seal.
    for (const sub of subs) {
      for (const p of sub.parts) {
        const res = await putPart(portal.witnessUrl, sub.id, p.name, p.bytes);
        // A part written just before the crash whose answer was lost is 200 as well.
        expect(acked.has(`${sub.id}/${p.name}`) ? [200] : [200, 201], `${sub.id}/${p.name}`).toContain(res.status);
      }
      expect((await seal(portal.witnessUrl, sub.id, sub.seal)).status).toBe(200);
    }
    await portal.stop();

    const db = new Database(dbPath(dataDir), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(db.pragma("foreign_key_check")).toEqual([]);
      expect(db.prepare("SELECT count(*) AS n FROM parts").get()).toEqual({ n: total });
      expect(db.prepare("SELECT count(*) AS n FROM submissions WHERE sealed_day IS NOT NULL").get()).toEqual({ n: SUBMISSIONS });
      for (const sub of subs) {
        const row = db.prepare("SELECT total_bytes FROM submissions WHERE id = ?").get(sub.id);
        expect(row).toEqual({ total_bytes: sub.parts.reduce((n, p) => n + p.bytes.length, 0) });
      }
    } finally {
      db.close();
    }
  });
});

describe("sweeping abandoned submissions at start", () => {
  it("removes unsealed submissions older than the TTL, rows and blobs, and keeps sealed and recent ones", async () => {
    const sweepDir = await makeDataDir();
    try {
      let portal = await start({ dataDir: sweepDir });
      const { recipients: keys } = await fetchRecipients(portal.witnessUrl);
      const make = () => buildSubmission({ recipients: keys, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(100) }] });
      const [abandoned, sealedOld, recent, today] = await Promise.all([make(), make(), make(), make()]);
      for (const sub of [abandoned, recent, today]) {
        for (const p of sub.parts.slice(0, 2)) expect((await putPart(portal.witnessUrl, sub.id, p.name, p.bytes)).status).toBe(201);
      }
      await uploadAndSeal(portal.witnessUrl, sealedOld);
      await portal.stop();

      // Age them while the portal is down, as if days had passed. TTL is 2 days.
      const now = utcDay();
      const db = new Database(dbPath(sweepDir));
      const age = db.prepare("UPDATE submissions SET created_day = ? WHERE id = ?");
      age.run(daysBefore(now, 3), abandoned.id);
      age.run(daysBefore(now, 30), sealedOld.id);
      age.run(daysBefore(now, 1), recent.id);
      db.close();

      portal = await start({ dataDir: sweepDir, env: { TESTIGO_UNSEALED_TTL_DAYS: "2" } });
      // The sweep runs right after start, in the background; wait until it has finished with the
      // abandoned submission (bounded polling, nothing timed).
      const swept = async () =>
        (await getStatus(portal.witnessUrl, abandoned.id)) === null && (await listFiles(path.join(sweepDir, "blobs", abandoned.id))).length === 0;
      for (let i = 0; i < 200 && !(await swept()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await getStatus(portal.witnessUrl, abandoned.id)).toBeNull();
      expect(await listFiles(path.join(sweepDir, "blobs", abandoned.id))).toEqual([]);
      expect((await getStatus(portal.witnessUrl, sealedOld.id))?.sealed).toBe(true);
      for (const p of sealedOld.parts) expect(await readBlob(sweepDir, sealedOld.id, p.name)).toEqual(p.bytes);
      for (const sub of [recent, today]) {
        expect((await getStatus(portal.witnessUrl, sub.id))?.parts).toHaveLength(2);
        for (const p of sub.parts.slice(0, 2)) expect(await readBlob(sweepDir, sub.id, p.name)).toEqual(p.bytes);
      }
      // The swept id is free again: a witness starting over with it begins from nothing.
      const restart = abandoned.parts[0]!;
      expect((await putPart(portal.witnessUrl, abandoned.id, restart.name, restart.bytes)).status).toBe(201);
      expect((await getStatus(portal.witnessUrl, abandoned.id))?.parts.map((p) => p.name)).toEqual([restart.name]);
      await portal.stop();

      const check = new Database(dbPath(sweepDir), { readonly: true });
      try {
        expect(check.prepare("SELECT count(*) AS n FROM parts WHERE submission_id = ?").get(abandoned.id)).toEqual({ n: 1 });
        expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
      } finally {
        check.close();
      }
    } finally {
      for (const portal of started) await portal.kill9();
      await removeDataDir(sweepDir);
    }
  });
});
