/**
 * End to end: a real portal, headless Chromium on /submit?lang=en, one random file chosen in the
 * file input, time from clicking Send to the receipt; beside it a plain upload of the same file
 * from the same browser over loopback to a tiny node:http server. Figures only; nothing here
 * passes or fails.
 *
 * The plain upload sends the file the way the portal's engine does, minus the encryption: 2 MiB
 * Blob slices, one PUT each, 3 in flight. The same request pattern on both sides means the ratio
 * shows what encryption, hashing and the portal's checks and per-part durability cost, not what
 * one big request would save in HTTP round trips. Its server writes every slice at its offset in
 * one temp file and fsyncs once at the end (a durable upload, but with one fsync where the portal
 * makes one per part plus SQLite's).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "../tests/support/browsers";
import { ROOT, removeDataDir, startPortal } from "../tests/support/portal";
import { Cleanup, MiB, fmt, mbps, serveLoopback } from "./browser/support";

/** Long enough for a slow run of a large file; a hang still ends the bench instead of blocking it. */
const TIMEOUT_MS = 30 * 60_000;
const WRITE_PIECE = 8 * MiB;

/** The portal serves build/ and public/build/; build them once if a fresh checkout has neither. */
async function ensureRemixBuild(): Promise<void> {
  if (existsSync(path.join(ROOT, "build/index.js")) && existsSync(path.join(ROOT, "public/build"))) return;
  const remix = path.join(ROOT, "node_modules/.bin/remix");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(remix, ["build"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`remix build failed (${code}):\n${out}`))));
  });
}

/** Random bytes straight to disk in pieces (never the whole file in memory); returns its SHA-256. */
async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(file, "w");
  try {
    for (let at = 0; at < bytes; at += WRITE_PIECE) {
      const piece = randomBytes(Math.min(WRITE_PIECE, bytes - at));
      hash.update(piece);
      await handle.write(piece);
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/** The plain uploader's page. Plain JS in a string: it runs in the page, not through tsx. */
const PLAIN_PAGE = `<!doctype html><meta charset="utf-8"><title>plain upload</title>
<input type="file" id="file">
<script>
async function plainUpload(chunkSize, inFlight) {
  const file = document.getElementById("file").files[0];
  let next = 0;
  async function worker() {
    for (;;) {
      const at = next;
      next += chunkSize;
      if (at >= file.size) return;
      const res = await fetch("/upload?offset=" + at, {
        method: "PUT",
        headers: { "Content-Type": "application/octet-stream" },
        body: file.slice(at, Math.min(at + chunkSize, file.size)),
      });
      if (res.status !== 201) throw new Error("PUT /upload: " + res.status);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const done = await fetch("/done", { method: "POST" });
  if (!done.ok) throw new Error("POST /done: " + done.status + " " + (await done.text()));
}
</script>`;

/** One submission through the real page: file chosen, Send clicked, milliseconds until the receipt. */
async function submitThroughPortal(browser: Browser, witnessUrl: string, filePath: string, fileSha256: string): Promise<number> {
  const page = await browser.newPage();
  try {
    await page.goto(`${witnessUrl}/submit?lang=en`);
    // The page fetches and verifies the keyring as it opens, while the witness picks files: wait
    // for that, so the timed part is what happens after Send.
    await page.waitForSelector(".keyring-ok", { timeout: 60_000 });
    await page.setInputFiles("[data-testid=file-input]", filePath);
    await page.waitForSelector(".file-list__item");
    const start = performance.now();
    await page.click("[data-testid=submit]");
    const outcome = await page.waitForSelector("[data-testid=receipt], [data-testid=error]", { timeout: TIMEOUT_MS });
    const ms = performance.now() - start;
    if ((await outcome.getAttribute("data-testid")) !== "receipt") {
      throw new Error(`the portal refused the submission: ${await outcome.innerText()}`);
    }
    const receiptSha256 = (await page.textContent("[data-testid=receipt-sha256]"))?.trim();
    if (receiptSha256 !== fileSha256) throw new Error(`receipt SHA-256 ${receiptSha256} is not the file's ${fileSha256}`);
    return ms;
  } finally {
    await page.close();
  }
}

export async function benchBrowserE2e(options: { bytes: number }): Promise<string[]> {
  const { bytes } = options;
  const cleanup = new Cleanup();
  try {
    await ensureRemixBuild();
    const tmp = await mkdtemp(path.join(os.tmpdir(), "testigo-bench-e2e-"));
    cleanup.add(() => rm(tmp, { recursive: true, force: true }));
    const filePath = path.join(tmp, "video.mp4");
    const fileSha256 = await writeRandomFile(filePath, bytes);

    // The plain upload's server: slices land at their offsets in one file, one fsync at the end.
    const received = await open(path.join(tmp, "received.bin"), "w");
    cleanup.add(() => received.close());
    const plain = await serveLoopback(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (req.method === "GET" && url.pathname === "/") {
        res.writeHead(200, { "Content-Type": "text/html", "Cache-Control": "no-store" }).end(PLAIN_PAGE);
      } else if (req.method === "PUT" && url.pathname === "/upload") {
        const offset = Number(url.searchParams.get("offset"));
        const pieces: Buffer[] = [];
        for await (const piece of req) if (piece instanceof Buffer) pieces.push(piece);
        const body = Buffer.concat(pieces);
        await received.write(body, 0, body.length, offset);
        res.writeHead(201).end();
      } else if (req.method === "POST" && url.pathname === "/done") {
        await received.sync();
        // Every slice must have landed, or the plain figure would flatter the plain upload.
        const size = (await received.stat()).size;
        if (size !== bytes) res.writeHead(500).end(`received ${size} bytes, expected ${bytes}`);
        else res.writeHead(200).end();
      } else {
        res.writeHead(404).end();
      }
    });
    cleanup.add(() => plain.close());

    const portal = await startPortal();
    cleanup.add(() => removeDataDir(portal.dataDir));
    cleanup.add(() => portal.stop());

    const browser = await launchChromium();
    cleanup.add(() => browser.close());

    // Plain upload first: the file is in the page cache for both runs, having just been written.
    const plainPage = await browser.newPage();
    await plainPage.goto(`${plain.url}/`);
    await plainPage.setInputFiles("#file", filePath);
    const plainStart = performance.now();
    await plainPage.evaluate(`plainUpload(${2 * MiB}, 3)`);
    const plainMs = performance.now() - plainStart;
    await plainPage.close();

    const shipped = await submitThroughPortal(browser, portal.witnessUrl, filePath, fileSha256);

    return [
      `end to end: headless Chromium, one ${fmt(bytes / MiB, 0)} MiB random file, loopback (MB = 10^6 bytes)`,
      `  portal, Send clicked -> receipt shown (encrypt, upload 3 parts at a time, manifest, seal): ${fmt(shipped / 1000, 2)} s (${fmt(mbps(bytes, shipped))} MB/s of file)`,
      `  plain upload of the same file, same browser: 2 MiB slices, 3 PUTs in flight, server writes one temp file, fsync at end: ${fmt(plainMs / 1000, 2)} s (${fmt(mbps(bytes, plainMs))} MB/s)`,
      `  ratio portal/plain:  ${fmt(shipped / plainMs, 2)}x   (goal <= 1.5x); both receipts' SHA-256 match the file`,
    ];
  } finally {
    await cleanup.run();
  }
}
