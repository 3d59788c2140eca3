/**
 * Promise 5 with a real browser on the other end: the portal is killed with SIGKILL while Chromium
 * is uploading 40 MB (some parts acknowledged, some in flight), and restarted on the same data and
 * port a few seconds later. The page, left open, resumes by itself (retry with backoff, resume
 * point from the server), seals, and what is stored decrypts byte for byte; the restart left no
 * temp file and the database is intact.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browsers";
import { makeDataDir, removeDataDir, startPortal, type Portal } from "../support/portal";
import { getStatus } from "../support/submission";
import { fillAndSend, record, waitForReceipt, waitForStatus } from "./helpers/chromium";
import { PlaintextIndex, scanTree, sentinelNeedles } from "./helpers/leaks";
import { decryptStored, expectedPartNames, makeRandomFile, partOf, sentinel, submissionIds, writtenName, type WitnessFile } from "./helpers/witness";

const FILE_BYTES = 40 * 1024 * 1024;
/** The portal dies when the page starts this chunk PUT: earlier ones are through or in flight. */
const CRASH_AT_CHUNK_PUT = 4;
const RESTART_AFTER_MS = 2_000;

let dataDir = "";
let browser: Browser | undefined;
let context: BrowserContext | undefined;
const portals: Portal[] = [];
let file: WitnessFile | undefined;
let removeFile: () => Promise<void> = async () => undefined;
const removals: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dataDir = await makeDataDir();
  const random = await makeRandomFile(FILE_BYTES);
  file = random.file;
  removeFile = random.remove;
  portals.push(await startPortal({ dataDir }));
  browser = await launchChromium();
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  for (const portal of portals) await portal.kill9();
  if (dataDir) await removeDataDir(dataDir);
  await removeFile();
  for (const remove of removals) await remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Chromium: the portal crashes (kill -9) mid-upload and comes back", () => {
  it("the open page resumes and seals; the stored submission decrypts byte for byte; no temp file, database intact", async () => {
    const first = portals[0]!;
    const witnessFile = file!;
    const reportSentinel = sentinel("REPORT");
    context = await browser!.newContext();
    const recorder = await record(context);
    const page = await context.newPage();

    let chunkPuts = 0;
    let crashed: Promise<void> | null = null;
    let acknowledgedBeforeCrash = 0;
    await page.route("**/api/v1/**", async (route) => {
      const request = route.request();
      if (!crashed && request.method() === "PUT" && partOf(request.url())?.part.startsWith("chunk-") && ++chunkPuts === CRASH_AT_CHUNK_PUT) {
        acknowledgedBeforeCrash = recorder.responses.filter((r) => r.method === "PUT" && r.status === 201).length;
        crashed = first.kill9();
        await crashed;
      }
      // After the crash this meets a closed port, as a witness's next request would.
      await route.continue().catch(() => undefined);
    });
    await page.goto(`${first.witnessUrl}/submit?lang=es`);
    await fillAndSend(page, { report: { what: `Se cayó el servidor: ${reportSentinel}` }, files: [witnessFile.path] });

    await expect.poll(() => crashed !== null, { timeout: 120_000 }).toBe(true);
    await crashed;
    await waitForStatus(page, /^Falló la conexión/, 60_000);
    await sleep(RESTART_AFTER_MS);
    const second = await startPortal({ dataDir, witnessPort: first.witnessPort, editorPort: first.editorPort });
    portals.push(second);
    expect(second.witnessUrl).toBe(first.witnessUrl);
    // The demo keyring the page encrypted to is the one the restarted portal still holds.
    expect(second.demoSecretKeyPath).toBe(first.demoSecretKeyPath);
    expect(second.output()).not.toMatch(/missing from the blob store/);

    const receipt = await waitForReceipt(page, 240_000);
    expect(receipt).toEqual([witnessFile.sha256]);
    await recorder.settle();
    expect(acknowledgedBeforeCrash).toBeGreaterThan(0);

    const ids = submissionIds(recorder.requests.map((r) => r.url));
    expect(ids).toHaveLength(1);
    const id = ids[0]!;

    // What the server acknowledged before dying is kept and not asked for again: no PUT is
    // answered 200 (bytes the server already held), no part is acknowledged twice.
    const putStatuses = new Map<string, number[]>();
    for (const r of recorder.responses) {
      const part = r.method === "PUT" ? partOf(r.url) : null;
      if (part) putStatuses.set(part.part, [...(putStatuses.get(part.part) ?? []), r.status]);
    }
    expect([...putStatuses].filter(([, statuses]) => statuses.length !== 1 || statuses[0] !== 201)).toEqual([]);

    const decrypted = await decryptStored(dataDir, id, second.demoSecretKeyPath);
    removals.push(decrypted.remove);
    expect(decrypted.result.problems).toEqual([]);
    expect(decrypted.result.ok).toBe(true);
    const written = decrypted.written.get(writtenName(0, witnessFile.name));
    expect(written?.length).toBe(witnessFile.data.length);
    expect(written?.equals(witnessFile.data)).toBe(true);

    const chunks = decrypted.result.manifest?.files.map((f) => f.chunks) ?? [];
    const status = await getStatus(second.witnessUrl, id);
    expect(status?.sealed).toBe(true);
    expect(status?.parts.map((p) => p.name).sort()).toEqual(expectedPartNames(chunks));
    // Parts whose 201 the crash swallowed are stored all the same, and were not sent again.
    expect([...putStatuses.keys()].length).toBeLessThanOrEqual(expectedPartNames(chunks).length);

    const { findings } = await scanTree(dataDir, sentinelNeedles("report sentinel", reportSentinel), [
      { label: "random file", index: new PlaintextIndex(witnessFile.data) },
    ]);
    expect(findings).toEqual([]);

    await second.stop();
    expect(await readdir(path.join(dataDir, "tmp"))).toEqual([]);
    const db = new Database(path.join(dataDir, "testigo.sqlite"), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(db.pragma("foreign_key_check")).toEqual([]);
    } finally {
      db.close();
    }
  });
});
