/**
 * Browser encryption: the submit page's chunked encryption (encryptFileParts, with its plaintext
 * SHA-256 and per-part SHA-256) of one file in headless Chromium, beside native AES-256-GCM over the
 * same Blob in the same page in the same run (the ceiling), and the JS heap growth while it runs.
 * The code reaches the page as an esbuild bundle of bench/browser/encrypt-entry.ts served from
 * loopback by this module, so the app gains no route. Figures only; nothing here passes or fails.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CDPSession, Page } from "playwright-core";
import { z } from "zod";
import { launchChromium } from "../tests/support/browsers";
import { Cleanup, bundleForBrowser, MB, MiB, fmt, mbps, serveLoopback } from "./browser/support";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const EncryptResult = z.object({
  ms: z.number(),
  parts: z.number(),
  ciphertextBytes: z.number(),
  paddedSize: z.number(),
  sha256: z.string(),
});
const CeilingResult = z.object({ ms: z.number(), gcmMs: z.number(), ciphertextBytes: z.number() });
const BreakdownResult = z.object({
  bytes: z.number(),
  read: z.number(),
  nobleSha256: z.number(),
  openpgpChunk: z.number(),
  partSha256: z.number(),
  nativeAesCbc: z.number(),
  nativeSha1: z.number(),
});

/** Calls one of encrypt-entry's functions; the result is validated, never trusted by type. */
async function call<T>(page: Page, schema: z.ZodType<T>, fn: string, arg?: number): Promise<T> {
  const result: unknown = await page.evaluate(`testigoBench.${fn}(${arg === undefined ? "" : JSON.stringify(arg)})`);
  return schema.parse(result);
}

interface HeapPeak {
  usedSize: number;
  backingStorageSize: number;
  samples: number;
}

/**
 * Polls V8's heap usage over CDP while the page works. The renderer answers between tasks, and
 * encryptFileParts awaits Web Crypto for every chunk, so samples land throughout the run.
 */
function sampleHeap(cdp: CDPSession): { stop(): Promise<HeapPeak> } {
  const peak: HeapPeak = { usedSize: 0, backingStorageSize: 0, samples: 0 };
  let running = true;
  // Settles, never rejects: a failed sample (the page died) is kept for stop() to report, rather
  // than becoming an unhandled rejection while the bench is still awaiting the page.
  const loop = (async (): Promise<unknown> => {
    try {
      while (running) {
        const usage = await cdp.send("Runtime.getHeapUsage");
        peak.usedSize = Math.max(peak.usedSize, usage.usedSize);
        peak.backingStorageSize = Math.max(peak.backingStorageSize, usage.backingStorageSize);
        peak.samples++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return null;
    } catch (error) {
      return error;
    }
  })();
  return {
    async stop() {
      running = false;
      const error = await loop;
      if (error !== null) throw error;
      return peak;
    },
  };
}

export async function benchBrowserEncrypt(options: { bytes: number }): Promise<string[]> {
  const cleanup = new Cleanup();
  try {
    const script = await bundleForBrowser({ file: path.join(HERE, "browser/encrypt-entry.ts") });
    const html = '<!doctype html><meta charset="utf-8"><title>testigo bench</title><script src="/bench.js"></script>';
    const server = await serveLoopback((req, res) => {
      const body = req.url === "/bench.js" ? script : req.url === "/" ? html : null;
      if (body === null) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "Content-Type": req.url === "/" ? "text/html" : "text/javascript", "Cache-Control": "no-store" });
      res.end(body);
    });
    cleanup.add(() => server.close());

    const browser = await launchChromium();
    cleanup.add(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction("typeof testigoBench === 'object'");
    const cdp = await page.context().newCDPSession(page);

    await call(page, z.object({ size: z.number() }), "prepare", options.bytes);
    // A short warm-up so the figures are steady-state (JIT, key import), not first-call costs.
    const warmup = Math.min(options.bytes, 4 * MiB);
    await call(page, EncryptResult, "encrypt", warmup);
    await call(page, CeilingResult, "aesGcmCeiling", warmup);

    // Baseline after a full GC: the warm-up's garbage and the Blob-making slabs are gone.
    await cdp.send("HeapProfiler.collectGarbage");
    const base = await cdp.send("Runtime.getHeapUsage");
    const sampler = sampleHeap(cdp);
    const encrypted = await call(page, EncryptResult, "encrypt").catch(async (error: unknown) => {
      // Stopped on failure too, so the polling loop cannot outlive the browser.
      await sampler.stop().catch(() => null);
      throw error;
    });
    const peak = await sampler.stop();
    const ceiling = await call(page, CeilingResult, "aesGcmCeiling");
    const split = await call(page, BreakdownResult, "breakdown", Math.min(options.bytes, 64 * MiB));

    const rate = mbps(options.bytes, encrypted.ms);
    const ceilingRate = mbps(options.bytes, ceiling.gcmMs);
    const heapGrowth = Math.max(0, peak.usedSize - base.usedSize);
    const buffersGrowth = Math.max(0, peak.backingStorageSize - base.backingStorageSize);
    const msPerMiB = (ms: number) => fmt((ms * MiB) / split.bytes);
    const step = (ms: number) => `${msPerMiB(ms)} (${fmt(mbps(split.bytes, ms), 0)} MB/s)`;
    const openpgpRest = Math.max(0, split.openpgpChunk - split.nativeAesCbc - split.nativeSha1);
    return [
      `browser encryption: headless Chromium, encryptFileParts on a ${fmt(options.bytes / MiB, 0)} MiB random Blob (${encrypted.parts} parts, each dropped: no upload; MB = 10^6 bytes)`,
      `  encryption (Blob read + SHA-256 of file + OpenPGP SEIPDv1 chunks + SHA-256 per part): ${fmt(rate)} MB/s (${fmt(encrypted.ms / 1000, 2)} s)   (goal >= 100 MB/s)`,
      `  ceiling: raw WebCrypto AES-256-GCM, same bytes, 2 MiB chunks, one at a time:          ${fmt(ceilingRate)} MB/s (${fmt(ceiling.gcmMs / 1000, 2)} s)`,
      `  ratio encryption/ceiling:  ${fmt(rate / ceilingRate, 2)}   (goal >= 0.15)`,
      `  the same GCM loop counting its Blob reads too:  ${fmt(mbps(options.bytes, ceiling.ms))} MB/s (${fmt(ceiling.ms / 1000, 2)} s)`,
      `  peak JS heap growth (V8 used heap over its post-GC baseline, max of ${peak.samples} CDP samples): ${fmt(heapGrowth / MB)} MB   (goal < 64 MB)`,
      `  peak ArrayBuffer backing-store growth (chunk buffers, outside the JS heap, same samples): ${fmt(buffersGrowth / MB)} MB`,
      `  where the time goes, each step alone over the first ${fmt(split.bytes / MiB, 0)} MiB (ms per MiB):`,
      `    Blob read ${step(split.read)}; @noble/hashes SHA-256 of the plaintext ${step(split.nobleSha256)};`,
      `    OpenPGP encryptChunk ${step(split.openpgpChunk)}: native AES-CBC (its CFB) ~${msPerMiB(split.nativeAesCbc)},` +
        ` native SHA-1 (its MDC) ~${msPerMiB(split.nativeSha1)}, the rest (packet framing, copies in JS) ~${msPerMiB(openpgpRest)};`,
      `    native SHA-256 of each part ${step(split.partSha256)}`,
    ];
  } finally {
    await cleanup.run();
  }
}
