/**
 * Witnesses upload over links that drop. In Chromium, mid-upload: (1) the link dies just as the
 * server answers a chunk (the server stored it, the page never hears so), and every API request
 * fails for a few seconds (as when a Tor circuit dies), then works again; (2) the device goes
 * offline, then back online. Either way the submission completes, decrypts byte for byte, and no
 * part is sent twice: the server acknowledges each part with exactly one 201 and never answers a
 * PUT with 200, which would mean the page sent bytes the server already held.
 */
import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesFor } from "~/i18n/messages";
import { launchChromium } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { fillAndSend, record, waitForReceipt, waitForStatus, type Recorder } from "./helpers/chromium";
import { PlaintextIndex, scanTree, sentinelNeedles, type Needle } from "./helpers/leaks";
import { decryptStored, expectedPartNames, makeRandomFile, partOf, sentinel, submissionIds, writtenName, type WitnessFile } from "./helpers/witness";

const FILE_BYTES = 24 * 1024 * 1024;
/** The API goes away when this chunk PUT is attempted: some parts are through, most are not. */
const CUT_AT_CHUNK_PUT = 4;
/** How long the link stays down once the page has noticed (a few seconds, as the brief says). */
const OUTAGE_MS = 3_000;
const es = messagesFor("es");

let portal: Portal | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const removals: (() => Promise<void>)[] = [];
const needles: Needle[] = [];
const indexes: { label: string; index: PlaintextIndex }[] = [];

beforeAll(async () => {
  portal = await startPortal();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  for (const remove of removals) await remove();
});

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  page: Page;
  context: BrowserContext;
  recorder: Recorder;
  file: WitnessFile;
}

async function startRun(label: string, onApi: (route: Route, context: BrowserContext) => Promise<void>): Promise<Run> {
  const p = need(portal, "portal");
  const random = await makeRandomFile(FILE_BYTES, `${label}.mp4`);
  removals.push(random.remove);
  indexes.push({ label, index: new PlaintextIndex(random.file.data) });
  const reportSentinel = sentinel("REPORT");
  needles.push(...sentinelNeedles(`${label} report sentinel`, reportSentinel));
  const context = await need(browser, "browser").newContext();
  contexts.push(context);
  const recorder = await record(context);
  const page = await context.newPage();
  await page.route("**/api/v1/**", (route) => onApi(route, context));
  await page.goto(`${p.witnessUrl}/submit?lang=es`);
  await fillAndSend(page, { report: { what: `Corte de red: ${reportSentinel}` }, files: [random.file.path] });
  return { page, context, recorder, file: random.file };
}

function isChunkPut(route: Route): boolean {
  const request = route.request();
  return request.method() === "PUT" && (partOf(request.url())?.part.startsWith("chunk-") ?? false);
}

/**
 * The server's answers to the page's PUTs, per part, and the checks that no part went twice and
 * the stored submission is complete, intact and the witness's file byte for byte.
 */
async function expectEachPartOnceAndIntact(run: Run, answersThePageLost: ReadonlyMap<string, number> = new Map()): Promise<{ acknowledged: string[] }> {
  const p = need(portal, "portal");
  await run.recorder.settle();
  const ids = submissionIds(run.recorder.requests.map((r) => r.url));
  expect(ids).toHaveLength(1);
  const id = ids[0]!;

  const decrypted = await decryptStored(p.dataDir, id, p.demoSecretKeyPath);
  removals.push(decrypted.remove);
  expect(decrypted.result.problems).toEqual([]);
  expect(decrypted.result.ok).toBe(true);
  expect(decrypted.written.get(writtenName(0, run.file.name))?.equals(run.file.data)).toBe(true);
  const chunks = need(decrypted.result.manifest?.files.map((f) => f.chunks), "manifest");

  const statuses = new Map<string, number[]>([...answersThePageLost].map(([name, status]) => [name, [status]]));
  for (const r of run.recorder.responses) {
    const part = r.method === "PUT" ? partOf(r.url) : null;
    if (!part) continue;
    statuses.set(part.part, [...(statuses.get(part.part) ?? []), r.status]);
  }
  const expected = expectedPartNames(chunks);
  // Every part the submission needs was acknowledged once, with 201, and nothing else was said.
  expect(Object.fromEntries([...statuses].sort())).toEqual(Object.fromEntries(expected.map((name) => [name, [201]])));
  const seals = run.recorder.responses.filter((r) => r.method === "POST" && r.url.endsWith("/seal")).map((r) => r.status);
  expect(seals).toEqual([200]);
  return { acknowledged: [...statuses.keys()] };
}

describe("Chromium: the link drops in the middle of an upload", () => {
  it("answer lost, then API unreachable for a few seconds: the page retries, completes, and sends no part twice", async () => {
    let phase: "up" | "down" | "back" = "up";
    let chunkPuts = 0;
    let refused = 0;
    /** The part the server stored but whose answer never reached the page, and that answer. */
    const lost = new Map<string, number>();
    let wentDown: () => void = () => undefined;
    const down = new Promise<void>((resolve) => (wentDown = resolve));
    const run = await startRun("api-cut", async (route) => {
      if (phase === "up" && isChunkPut(route) && ++chunkPuts === CUT_AT_CHUNK_PUT) {
        phase = "down";
        // Delivered to the server, which stores it; the link dies before the answer arrives.
        const answer = await route.fetch();
        lost.set(partOf(route.request().url())?.part ?? "?", answer.status());
        wentDown();
        await route.abort("connectionreset");
        return;
      }
      if (phase === "down") {
        refused++;
        await route.abort("connectionreset");
        return;
      }
      await route.continue();
    });
    await down;
    const acknowledgedBefore = run.recorder.responses.filter((r) => r.method === "PUT" && r.status === 201).length;
    // The witness is told what is going on, in her language, while it goes on.
    expect(await waitForStatus(run.page, /^Falló la conexión/, 60_000)).toMatch(/No cierres esta página/);
    await sleep(OUTAGE_MS);
    phase = "back";

    const receipt = await waitForReceipt(run.page, 180_000);
    expect(receipt).toEqual([run.file.sha256]);
    // The cut really was in the middle: parts were through before it, refused during it, and
    // most were sent only after it.
    expect(acknowledgedBefore).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect([...lost.values()]).toEqual([201]);
    // The lost answer's part counts as acknowledged once; had the page sent it again, the server
    // would have answered that PUT with 200 and the check below would see [201, 200].
    const { acknowledged } = await expectEachPartOnceAndIntact(run, lost);
    expect(acknowledged.length).toBeGreaterThan(acknowledgedBefore + CUT_AT_CHUNK_PUT);
  });

  it("device offline for a few seconds: the status says so, nothing is tried meanwhile, then it completes", async () => {
    let phase: "up" | "offline" | "back" = "up";
    let chunkPuts = 0;
    let wentOffline: () => void = () => undefined;
    const offline = new Promise<void>((resolve) => (wentOffline = resolve));
    const run = await startRun("offline", async (route, context) => {
      if (phase === "up" && isChunkPut(route) && ++chunkPuts === CUT_AT_CHUNK_PUT) {
        phase = "offline";
        await context.setOffline(true);
        wentOffline();
      }
      // Whatever Chromium does with a request let go while offline is part of the experiment.
      await route.continue().catch(() => undefined);
    });
    await offline;
    expect(await waitForStatus(run.page, /^Sin conexión/, 60_000)).toBe(es.status.offline);
    expect(await run.page.evaluate(() => navigator.onLine)).toBe(false);
    // Give requests already on their way a moment to show up, then nothing may start while offline:
    // the engine waits for the `online` event instead of burning retries.
    await sleep(1_000);
    const before = run.recorder.requests.length;
    await sleep(OUTAGE_MS);
    expect(run.recorder.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(await run.page.getByTestId("status").innerText()).toBe(es.status.offline);
    phase = "back";
    await run.context.setOffline(false);

    const receipt = await waitForReceipt(run.page, 180_000);
    expect(receipt).toEqual([run.file.sha256]);
    await expectEachPartOnceAndIntact(run);
  });

  it("the data directory holds none of the reports' sentinels and no run of the files", async () => {
    const p = need(portal, "portal");
    expect(needles.length).toBeGreaterThan(0);
    const { findings } = await scanTree(p.dataDir, needles, indexes);
    expect(findings).toEqual([]);
  });
});
