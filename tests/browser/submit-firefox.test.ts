/**
 * The same witness, on the Tor Browser engine: Firefox ESR over WebDriver BiDi (puppeteer-core),
 * with Tor Browser's private browsing, resistFingerprinting and "Safer" level (no JIT). A report with sentinels, a text file (sentinels in its name and content) and 10 MB of random
 * bytes. Every request body Firefox sent is read back over BiDi and searched for the plaintext;
 * the receipt, the decryption and the server's disk are checked as in Chromium.
 */
import type { Browser, HTTPRequest, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeFirefox, firefoxRequestBody, launchFirefox } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { PlaintextIndex, findNeedles, leaksInRequests, scanTree, sentinelNeedles, type Needle, type SentBytes } from "./helpers/leaks";
import { NO_TRACES, collectTraces } from "./helpers/traces";
import { messagesFor } from "~/i18n/messages";
import { PartAckSchema, decryptStored, expectedPartNames, makeRandomFile, makeWitnessMaterial, partOf, sentinel, sha256, submissionIds, writtenName, type Decrypted, type WitnessMaterial } from "./helpers/witness";

const RANDOM_BYTES = 10 * 1024 * 1024;
const CSP_TAG = "testigo-test-csp-violation:";

let portal: Portal | undefined;
let browser: Browser | undefined;
let material: WitnessMaterial | undefined;
let randomIndex: PlaintextIndex;
let decrypted: Decrypted | undefined;
let submissionId = "";
/** What the offline test sent, for the data directory scan at the end. */
const extraNeedles: Needle[] = [];
const extraPlaintexts: { label: string; index: PlaintextIndex }[] = [];
const removals: (() => Promise<void>)[] = [];

beforeAll(async () => {
  material = await makeWitnessMaterial({ randomBytes: RANDOM_BYTES, randomName: "foto-acta.jpg" });
  randomIndex = new PlaintextIndex(material.files[1]!.data);
  portal = await startPortal();
  browser = await launchFirefox({ torBrowserSafer: true });
});

afterAll(async () => {
  if (browser) await closeFirefox(browser).catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  await material?.remove();
  await decrypted?.remove();
  for (const remove of removals) await remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

interface FirefoxRecorder {
  requests: (SentBytes & { hasBody: boolean })[];
  responses: { url: string; method: string; status: number; headers: Record<string, string>; json: unknown }[];
  console: { type: string; text: string }[];
  pageErrors: string[];
  settle(): Promise<void>;
}

/**
 * Records a page's requests (bodies through BiDi network.getData once each request is done),
 * responses, console and errors. CSP violations come through the console: a preload script (run
 * by the browser, outside the page's CSP) logs each `securitypolicyviolation` event with a tag.
 */
async function recordFirefox(b: Browser, page: Page): Promise<FirefoxRecorder> {
  const pending: Promise<unknown>[] = [];
  const rec: FirefoxRecorder = {
    requests: [],
    responses: [],
    console: [],
    pageErrors: [],
    async settle() {
      for (let seen = -1; seen !== pending.length; ) {
        seen = pending.length;
        await Promise.allSettled(pending);
      }
    },
  };
  const entries = new Map<HTTPRequest, FirefoxRecorder["requests"][number]>();
  page.on("request", (request) => {
    const entry: FirefoxRecorder["requests"][number] = { url: request.url(), method: request.method(), headers: request.headers(), body: null, hasBody: request.hasPostData() };
    entries.set(request, entry);
    rec.requests.push(entry);
  });
  page.on("requestfinished", (request) => {
    const entry = entries.get(request);
    if (!entry?.hasBody) return;
    pending.push(firefoxRequestBody(b, request).then((body) => void (entry.body = body)));
  });
  page.on("response", (response) => {
    const entry: FirefoxRecorder["responses"][number] = { url: response.url(), method: response.request().method(), status: response.status(), headers: response.headers(), json: null };
    rec.responses.push(entry);
    if (new URL(entry.url).pathname.startsWith("/api/")) {
      pending.push(response.json().then((json: unknown) => void (entry.json = json), () => undefined));
    }
  });
  page.on("console", (message) => rec.console.push({ type: message.type(), text: message.text() }));
  page.on("pageerror", (error) => rec.pageErrors.push(String(error)));
  await page.evaluateOnNewDocument(`document.addEventListener("securitypolicyviolation", (e) => {
    console.warn(${JSON.stringify(CSP_TAG)} + " " + e.violatedDirective + " blocked " + e.blockedURI);
  }, true);`);
  return rec;
}

describe("Firefox ESR as Tor Browser (Safer): the same witness, the same promises", () => {
  it("submits; no plaintext in any request Firefox sent, same origin only, no CSP violation; receipt right", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    const b = need(browser, "browser");
    const page = await b.newPage();
    const rec = await recordFirefox(b, page);
    await page.goto(`${p.witnessUrl}/submit?lang=es`);
    // The fields are disabled until the page's JavaScript runs; then type as a witness would.
    await page.waitForSelector('[data-testid="report-what"]:not(:disabled)');
    for (const [key, value] of Object.entries(m.report)) await page.type(`[data-testid="report-${key}"]`, value);
    const input = await page.waitForSelector('input[data-testid="file-input"]');
    await need(input ?? undefined, "file input").uploadFile(...m.files.map((f) => f.path));
    await page.waitForFunction((n) => document.querySelectorAll(".file-list__item").length === n, {}, m.files.length);
    await page.click('[data-testid="submit"]');

    const outcome = await page.waitForSelector('[data-testid="receipt"], [data-testid="error"]', { timeout: 180_000 });
    const outcomeKind = await outcome?.evaluate((el) => `${el.getAttribute("data-testid")}: ${el.textContent}`);
    expect(outcomeKind).toMatch(/^receipt: /);
    const receipt = await page.$$eval('[data-testid="receipt-sha256"]', (els) => els.map((el) => (el.textContent ?? "").trim()));
    expect(receipt).toEqual(m.files.map((f) => f.sha256));
    await rec.settle();

    const ids = submissionIds(rec.requests.map((r) => r.url));
    expect(ids).toHaveLength(1);
    submissionId = ids[0]!;

    // Network requests only to the portal. Firefox also "requests" its own UA stylesheet's bullet
    // font as a data: URL (-moz-bullet-font in html.css); data: never leaves the machine.
    const origin = new URL(p.witnessUrl).origin;
    const offOrigin = rec.requests.filter((r) => (r.url.startsWith("data:") ? false : new URL(r.url).origin !== origin));
    expect(offOrigin.map((r) => r.url)).toEqual([]);

    // Every body that left Firefox was read back, and is exactly what the server acknowledged.
    const puts = rec.requests.filter((r) => r.method === "PUT");
    expect(puts.length).toBeGreaterThan(RANDOM_BYTES / (2 * 1024 * 1024));
    for (const put of puts) {
      const body = need(put.body ?? undefined, `body of ${put.url}`);
      const ack = rec.responses.find((r) => r.method === "PUT" && r.url === put.url);
      expect(ack?.status, put.url).toBe(201);
      expect(PartAckSchema.parse(ack?.json).sha256, put.url).toBe(sha256(body));
      expect(partOf(put.url)?.id).toBe(submissionId);
    }
    expect(rec.requests.filter((r) => r.hasBody && !r.body).map((r) => r.url)).toEqual([]);

    expect(leaksInRequests(rec.requests, m.needles, [{ label: "the random file", index: randomIndex }])).toEqual([]);

    expect(rec.console.filter((c) => c.text.startsWith(CSP_TAG) || /content.security.policy/i.test(c.text))).toEqual([]);
    expect(rec.console.filter((c) => c.type === "error")).toEqual([]);
    expect(rec.pageErrors).toEqual([]);

    expect(await b.cookies()).toEqual([]);
    expect(rec.responses.filter((r) => "set-cookie" in r.headers).map((r) => r.url)).toEqual([]);
    expect(await page.evaluate(collectTraces)).toEqual(NO_TRACES);
    await page.close();
  });

  it("the CSP watch sees a violation in Firefox when there is one", async () => {
    const p = need(portal, "portal");
    const b = need(browser, "browser");
    const page = await b.newPage();
    try {
      const rec = await recordFirefox(b, page);
      await page.goto(`${p.witnessUrl}/?lang=en`);
      await page.evaluate(() => {
        const script = document.createElement("script");
        script.textContent = "void 0";
        document.body.append(script);
      });
      await expect.poll(() => rec.console.filter((c) => c.text.startsWith(CSP_TAG)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });

  it("the editor decrypts what Firefox sent, byte for byte", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    expect(submissionId).toMatch(/^[0-9a-f]{32}$/);
    decrypted = await decryptStored(p.dataDir, submissionId, p.demoSecretKeyPath);
    expect(decrypted.result.problems).toEqual([]);
    expect(decrypted.result.ok).toBe(true);
    for (const [i, f] of m.files.entries()) expect(decrypted.written.get(writtenName(i, f.name))?.equals(f.data), f.name).toBe(true);
    expect(decrypted.result.manifest?.report).toEqual(m.report);
    expect(decrypted.result.manifest?.files.map((f) => f.name)).toEqual(m.files.map((f) => f.name));
  });

  /**
   * Tor Browser's resistFingerprinting pins navigator.onLine to true and fires no online/offline
   * events (checked in Firefox ESR 153), so the engine cannot tell "offline" from "failing": the
   * status shows the retrying message instead of the offline one, and the upload resumes at the
   * next backoff (at most 30 s) rather than at the `online` event. Either message must tell the
   * witness to keep the page open; what matters is that nothing is lost or sent twice.
   */
  it("the device goes offline mid-upload: the witness is told to keep the page open, then it completes, no part sent twice", async () => {
    const p = need(portal, "portal");
    const b = need(browser, "browser");
    const random = await makeRandomFile(10 * 1024 * 1024, "video-corte.mp4");
    removals.push(random.remove);
    extraPlaintexts.push({ label: "offline test file", index: new PlaintextIndex(random.file.data) });
    const reportSentinel = sentinel("REPORT");
    extraNeedles.push(...sentinelNeedles("offline test report sentinel", reportSentinel));
    const page = await b.newPage();
    try {
      const rec = await recordFirefox(b, page);
      // Interception only to pick the moment: the link drops as the third chunk sets off.
      let chunkPuts = 0;
      let wentOffline: () => void = () => undefined;
      const offline = new Promise<void>((resolve) => (wentOffline = resolve));
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        void (async () => {
          if (request.method() === "PUT" && partOf(request.url())?.part.startsWith("chunk-") && ++chunkPuts === 3) {
            await page.setOfflineMode(true);
            wentOffline();
          }
          await request.continue().catch(() => undefined);
        })();
      });
      await page.goto(`${p.witnessUrl}/submit?lang=es`);
      await page.waitForSelector('[data-testid="report-what"]:not(:disabled)');
      await page.type('[data-testid="report-what"]', `Se cortó la luz: ${reportSentinel}`);
      const input = await page.waitForSelector('input[data-testid="file-input"]');
      await need(input ?? undefined, "file input").uploadFile(random.file.path);
      await page.waitForSelector(".file-list__item");
      await page.click('[data-testid="submit"]');

      await offline;
      const es = messagesFor("es").status;
      const waiting = [es.offline, es.retryingNow, es.retrying(999)].map((text) => text.split(".")[0]!);
      const statusNow = () => page.$eval('[data-testid="status"]', (el) => el.textContent ?? "");
      await expect.poll(statusNow, { timeout: 60_000 }).toMatch(/No cierres esta página/);
      await sleep(3_000);
      // Still waiting for the link, not failed and not finished.
      const during = await statusNow();
      expect(waiting.some((start) => during.startsWith(start)), during).toBe(true);
      expect(await page.$('[data-testid="error"]')).toBeNull();
      await page.setOfflineMode(false);

      const outcome = await page.waitForSelector('[data-testid="receipt"], [data-testid="error"]', { timeout: 180_000 });
      expect(await outcome?.evaluate((el) => `${el.getAttribute("data-testid")}: ${el.textContent}`)).toMatch(/^receipt: /);
      expect(await page.$$eval('[data-testid="receipt-sha256"]', (els) => els.map((el) => (el.textContent ?? "").trim()))).toEqual([random.file.sha256]);
      await rec.settle();

      const ids = submissionIds(rec.requests.map((r) => r.url));
      expect(ids).toHaveLength(1);
      const id = ids[0]!;
      const stored = await decryptStored(p.dataDir, id, p.demoSecretKeyPath);
      removals.push(stored.remove);
      expect(stored.result.problems).toEqual([]);
      expect(stored.result.ok).toBe(true);
      expect(stored.written.get(writtenName(0, random.file.name))?.equals(random.file.data)).toBe(true);
      // Some PUTs failed while offline (the cut was real); each part was then acknowledged once.
      expect(rec.requests.filter((r) => r.method === "PUT").length).toBeGreaterThan(rec.responses.filter((r) => r.method === "PUT").length);
      const statuses = new Map<string, number[]>();
      for (const r of rec.responses) {
        const part = r.method === "PUT" ? partOf(r.url) : null;
        if (part) statuses.set(part.part, [...(statuses.get(part.part) ?? []), r.status]);
      }
      const chunks = stored.result.manifest?.files.map((f) => f.chunks) ?? [];
      expect(Object.fromEntries([...statuses].sort())).toEqual(Object.fromEntries(expectedPartNames(chunks).map((name) => [name, [201]])));
    } finally {
      await page.close();
    }
  });

  it("the data directory and the logs hold none of the plaintext", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    expect(submissionId).toMatch(/^[0-9a-f]{32}$/);
    const needles = [...m.needles, ...extraNeedles];
    const plaintexts = [{ label: "random file", index: randomIndex }, ...extraPlaintexts];
    const live = await scanTree(p.dataDir, needles, plaintexts);
    expect(live.files).toContain(`blobs/${submissionId}/manifest`);
    expect(live.findings).toEqual([]);
    expect(findNeedles(p.output(), needles)).toEqual([]);
    await p.stop();
    expect((await scanTree(p.dataDir, needles, plaintexts)).findings).toEqual([]);
  });
});
