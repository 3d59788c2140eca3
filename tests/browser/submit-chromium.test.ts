/**
 * Promises 1, 2, 3 and 6, end to end in Chromium: a witness types a report and sends a text file
 * and 40 MB of video-like random bytes. Every byte the page sends is captured and searched for the
 * plaintext; the editor then decrypts what the server stored, with the project's verifier and with
 * plain GnuPG, and the data directory is searched for the plaintext too.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManifestSchema } from "~/envelope/format";
import { launchChromium } from "../support/browsers";
import { DECRYPT_SCRIPT, makeGnupgHome, runScript, type GnupgHome } from "../support/gpg";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { blobDir } from "../support/stored";
import { browserTraces, fillAndSend, record, waitForReceipt, type Recorder } from "./helpers/chromium";
import { PlaintextIndex, findNeedles, leaksInRequests, scanTree, sentinelNeedles } from "./helpers/leaks";
import { NO_TRACES } from "./helpers/traces";
import { startWireTap, type WireTap } from "./helpers/wire-tap";
import { PartAckSchema, decryptStored, makeWitnessMaterial, partOf, sha256, submissionIds, writtenName, type Decrypted, type WitnessMaterial } from "./helpers/witness";

const RANDOM_BYTES = 40 * 1024 * 1024;

let portal: Portal | undefined;
let browser: Browser | undefined;
let material: WitnessMaterial | undefined;
let randomIndex: PlaintextIndex;
let recorder: Recorder;
let context: BrowserContext | undefined;
let submissionId = "";
let decrypted: Decrypted | undefined;
let gnupg: GnupgHome | undefined;
let gpgOut = "";
let tap: WireTap | undefined;

beforeAll(async () => {
  material = await makeWitnessMaterial({ randomBytes: RANDOM_BYTES });
  randomIndex = new PlaintextIndex(material.files[1]!.data);
  portal = await startPortal();
  browser = await launchChromium();
});

afterAll(async () => {
  // Each step on its own: one failing must not leave the others' processes or files behind.
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await tap?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  await material?.remove();
  await decrypted?.remove();
  await gnupg?.remove();
  if (gpgOut) await rm(gpgOut, { recursive: true, force: true });
});

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

describe("Chromium: a witness sends a report, a text file and 40 MB", () => {
  it("the leak detectors find what they look for (so their silence below means something)", () => {
    const m = need(material, "material");
    const random = m.files[1]!.data;
    const body = Buffer.alloc(4096, 0x41);
    // A 31-byte run at an odd place in both the file and the body: the shortest run promised.
    random.copy(body, 1001, 7_654_321, 7_654_321 + 31);
    expect(randomIndex.firstHit(body)).not.toBeNull();
    expect(randomIndex.firstHit(Buffer.alloc(4096, 0x41))).toBeNull();
    const needles = sentinelNeedles("s", m.sentinels.report);
    expect(findNeedles(Buffer.from(`x${m.sentinels.report}y`, "utf16le"), needles)).toContain("s (UTF-16LE)");
    expect(findNeedles(Buffer.from(`ab${m.sentinels.report}`).toString("base64"), needles)).toContain("s (base64, offset 2)");
  });

  it("submits; nothing of the plaintext leaves the browser, only the portal is contacted, no CSP violation", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    context = await need(browser, "browser").newContext();
    recorder = await record(context);
    // The page talks to the portal through a tap that keeps every byte sent (the network view).
    tap = await startWireTap(p.witnessUrl);
    const page = await context.newPage();
    await page.goto(`${tap.url}/submit?lang=es`);
    await fillAndSend(page, { report: m.report, files: m.files.map((f) => f.path) });
    const receipt = await waitForReceipt(page, 180_000);
    await recorder.settle();

    // The receipt shows the SHA-256 of each file as the witness has it, in the order chosen.
    expect(receipt).toEqual(m.files.map((f) => f.sha256));
    expect((await page.locator(".receipt__name").allTextContents()).map((s) => s.trim())).toEqual(m.files.map((f) => f.name));

    // Only the portal's own origin (promise 3), whatever the request was for.
    const origin = new URL(tap.url).origin;
    expect(recorder.requests.filter((r) => new URL(r.url).origin !== origin).map((r) => r.url)).toEqual([]);

    // No sentinel in any URL or header the browser reports, and none in the raw bytes on the
    // wire: request lines, headers and every body; no run of the random file either (promise 1).
    expect(leaksInRequests(recorder.requests, m.needles, [{ label: "the random file", index: randomIndex }])).toEqual([]);
    const wire = tap.connections();
    const wireLeaks = wire.flatMap((bytes, i) => [
      ...findNeedles(bytes, m.needles).map((label) => `connection ${i}: ${label}`),
      ...(randomIndex.firstHit(bytes) ? [`connection ${i}: a run of the random file`] : []),
    ]);
    expect(wireLeaks).toEqual([]);

    // The scan above saw the real bodies: every part the server acknowledged is on the wire, whole.
    const ids = submissionIds(recorder.requests.map((r) => r.url));
    expect(ids).toHaveLength(1);
    submissionId = ids[0]!;
    const puts = recorder.requests.filter((r) => r.method === "PUT");
    const acks = new Map(recorder.responses.filter((r) => r.method === "PUT").map((r) => [r.url, r]));
    let bodyBytes = 0;
    for (const put of puts) {
      const ack = acks.get(put.url);
      expect(ack?.status, put.url).toBe(201);
      const part = need(partOf(put.url)?.part, `part of ${put.url}`);
      const stored = await readFile(path.join(blobDir(p.dataDir, submissionId), part));
      expect(PartAckSchema.parse(ack?.json).sha256, put.url).toBe(sha256(stored));
      expect(wire.some((bytes) => bytes.includes(stored)), `${part} seen on the wire`).toBe(true);
      bodyBytes += stored.length;
    }
    expect(bodyBytes).toBeGreaterThan(RANDOM_BYTES);
    expect(new Set(puts.map((r) => partOf(r.url)?.part)).size).toBe(puts.length);

    // Promise 3: a strict CSP that the page never trips, and a clean console.
    expect(recorder.cspViolations).toEqual([]);
    expect(recorder.console.filter((c) => /content.security.policy|refused to/i.test(c.text))).toEqual([]);
    expect(recorder.console.filter((c) => c.type === "error" || c.type === "warning")).toEqual([]);
    expect(recorder.pageErrors).toEqual([]);

    // Promise 2: nothing kept in the witness's browser, and no cookie was ever set; nothing the
    // portal answered may be cached; the receipt replaced the form without touching the URL.
    expect(recorder.responses.filter((r) => !/\bno-store\b/.test(r.headers["cache-control"] ?? "")).map((r) => r.url)).toEqual([]);
    expect(page.url()).toBe(`${tap.url}/submit?lang=es`);
    expect(await context.cookies()).toEqual([]);
    expect(await browserTraces(page)).toEqual(NO_TRACES);
    expect(recorder.responses.filter((r) => "set-cookie" in r.headers).map((r) => r.url)).toEqual([]);
  });

  it("the CSP watch itself sees a violation when there is one", async () => {
    const p = need(portal, "portal");
    const probeContext = await need(browser, "browser").newContext();
    try {
      const probe = await record(probeContext);
      const page = await probeContext.newPage();
      await page.goto(`${p.witnessUrl}/?lang=en`);
      await page.evaluate(() => {
        const script = document.createElement("script");
        script.textContent = "void 0";
        document.body.append(script);
      });
      await expect.poll(() => probe.cspViolations.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(probe.cspViolations[0]).toMatch(/^script-src/);
      // Chromium also logs it to the console: the console check above is not blind either.
      await expect.poll(() => probe.console.filter((c) => /content.security.policy/i.test(c.text)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await probeContext.close();
    }
  });

  it("the editor decrypts what the server stored, offline, byte for byte", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    expect(submissionId).toMatch(/^[0-9a-f]{32}$/);
    decrypted = await decryptStored(p.dataDir, submissionId, p.demoSecretKeyPath);
    const { result, written } = decrypted;
    expect(result.problems).toEqual([]);
    expect(result.files.map((f) => ({ ok: f.ok, problems: f.problems }))).toEqual(m.files.map(() => ({ ok: true, problems: [] })));
    expect(result.ok).toBe(true);
    expect([...written.keys()]).toEqual([...m.files.map((f, i) => writtenName(i, f.name)), "report.md", "verification.txt"].sort());
    m.files.forEach((f, i) => {
      const bytes = written.get(writtenName(i, f.name));
      expect(bytes?.length).toBe(f.data.length);
      expect(bytes?.equals(f.data), f.name).toBe(true);
    });
    const manifest = need(result.manifest ?? undefined, "manifest");
    expect(manifest.report).toEqual(m.report);
    expect(manifest.language).toBe("es");
    expect(manifest.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }))).toEqual(
      m.files.map((f) => ({ name: f.name, size: f.data.length, sha256: f.sha256 })),
    );
    expect(written.get("report.md")?.toString("utf8")).toContain(m.report.what);
  });

  it("plain GnuPG 2.2 decrypts it too (scripts/gpg-decrypt-submission.sh), byte for byte", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    expect(submissionId).toMatch(/^[0-9a-f]{32}$/);
    gnupg = await makeGnupgHome();
    await gnupg.gpgOk(["--import", need(p.demoSecretKeyPath ?? undefined, "demo secret key")]);
    gpgOut = await mkdtemp(path.join(os.tmpdir(), "testigo-gpg-out-"));
    const out = path.join(gpgOut, "out");
    const run = await runScript(DECRYPT_SCRIPT, [blobDir(p.dataDir, submissionId), out], { env: gnupg.env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(["file-0", "file-1", "manifest.json", "report.txt"]);
    for (const [i, f] of m.files.entries()) {
      const bytes = await readFile(path.join(out, `file-${i}`));
      expect(bytes.equals(f.data), f.name).toBe(true);
    }
    const manifest = ManifestSchema.parse(JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8")));
    expect(manifest.report).toEqual(m.report);
    expect(manifest.files.map((f) => f.name)).toEqual(m.files.map((f) => f.name));
  });

  it("the data directory (database, WAL, blobs, everything) and the logs hold none of the plaintext", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    expect(submissionId).toMatch(/^[0-9a-f]{32}$/);
    const plaintexts = [{ label: "random file", index: randomIndex }];
    // While the portal runs, the WAL still holds recent writes; after a clean stop it is folded in.
    const live = await scanTree(p.dataDir, m.needles, plaintexts);
    expect(live.files).toEqual(expect.arrayContaining(["testigo.sqlite", "testigo.sqlite-wal", `blobs/${submissionId}/manifest`, `blobs/${submissionId}/chunk-1-0`]));
    expect(live.findings).toEqual([]);
    expect(findNeedles(p.output(), m.needles)).toEqual([]);
    await p.stop();
    const stopped = await scanTree(p.dataDir, m.needles, plaintexts);
    expect(stopped.files).toContain("testigo.sqlite");
    expect(stopped.findings).toEqual([]);
  });
});
