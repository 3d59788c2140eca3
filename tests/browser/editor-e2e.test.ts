/**
 * Issue 3 end to end, both sides in headless Chromium: a witness sends a report, a text file and
 * ~5 MB of random bytes through /submit; an editor enrolled with the CLI logs in on the editor
 * listener with password + TOTP, downloads that submission's bundle through the page, and decrypts
 * it offline with `testigo decrypt` (every socket made fatal) and the demo key. The files must
 * come back byte for byte, the report must be in report.md, and verification.txt must say OK and
 * carry the SHA-256 values the witness's receipt showed.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { PASSWORD, addEditor, totpCode } from "../security/editor-support";
import { fillAndSend, waitForReceipt } from "./helpers/chromium";
import { makeWitnessMaterial, submissionIds, writtenName, type WitnessMaterial } from "./helpers/witness";
import { runTestigo } from "../support/cli";

// A tally-sheet photo at the top of the witnesses' range (DESIGN.md): several 2 MiB chunks.
const RANDOM_BYTES = 5 * 1024 * 1024;

let portal: Portal | undefined;
let browser: Browser | undefined;
let material: WitnessMaterial | undefined;
let work: string | undefined;
let witnessContext: BrowserContext | undefined;
let editorContext: BrowserContext | undefined;
let totpSecret = "";

beforeAll(async () => {
  material = await makeWitnessMaterial({ randomBytes: RANDOM_BYTES });
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-editor-e2e-"));
  portal = await startPortal();
  totpSecret = (await addEditor(portal.dataDir, "ana")).secret;
  browser = await launchChromium();
});

afterAll(async () => {
  // Each step on its own: one failing must not leave the others' processes or files behind.
  await witnessContext?.close().catch(() => undefined);
  await editorContext?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  await material?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

/** The CLI as an editor runs it offline; a non-zero exit is an answer, not an exception. */
async function decryptCli(args: string[]): Promise<{ code: number; out: string }> {
  return runTestigo(["decrypt", ...args]);
}

describe("Chromium witness -> Chromium editor -> offline decrypt", () => {
  it("the editor gets, byte for byte, what the witness sent, and the receipt's hashes are verified", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    const b = need(browser, "browser");
    const dir = need(work, "work dir");

    // The witness.
    witnessContext = await b.newContext();
    const witnessPage = await witnessContext.newPage();
    const urls: string[] = [];
    witnessPage.on("request", (r) => urls.push(r.url()));
    await witnessPage.goto(`${p.witnessUrl}/submit?lang=es`);
    await fillAndSend(witnessPage, { report: m.report, files: m.files.map((f) => f.path) });
    const receipt = await waitForReceipt(witnessPage, 120_000);
    // The receipt is what the witness keeps; it must show each file's plaintext SHA-256.
    expect(receipt).toEqual(m.files.map((f) => f.sha256));
    const ids = submissionIds(urls);
    expect(ids).toHaveLength(1);
    const id = ids[0]!;
    await witnessContext.close();
    witnessContext = undefined;

    // The editor, on the editor listener.
    editorContext = await b.newContext({ acceptDownloads: true });
    const page = await editorContext.newPage();
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${p.editorUrl}/editor/login`);
    await page.getByLabel("Name").fill("ana");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Code from your authenticator app").fill(totpCode(totpSecret));
    await Promise.all([page.waitForURL(`${p.editorUrl}/editor`), page.getByRole("button", { name: "Log in" }).click()]);
    await expect.poll(() => page.getByTestId("signed-in-as").textContent()).toContain("ana");

    const row = page.locator(`tr[data-submission="${id}"]`);
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("download").click()]);
    const bundle = path.join(dir, download.suggestedFilename());
    await download.saveAs(bundle);
    expect(await download.failure()).toBeNull();
    expect(problems).toEqual([]);

    // Offline decryption with the demo editor's key.
    const out = path.join(dir, "plain");
    const key = need(p.demoSecretKeyPath, "demo secret key");
    const result = await decryptCli([bundle, "--key", key, "--out", out]);
    expect(result.out).not.toContain("NETWORK-ATTEMPT");
    expect(result.code, result.out).toBe(0);
    expect(await readdir(out)).toEqual([id]);
    const plain = path.join(out, id);
    expect((await readdir(plain)).sort()).toEqual([...m.files.map((f, i) => writtenName(i, f.name)), "report.md", "verification.txt"].sort());
    for (const [i, f] of m.files.entries()) {
      const bytes = await readFile(path.join(plain, writtenName(i, f.name)));
      expect(bytes.length, f.name).toBe(f.data.length);
      expect(bytes.equals(f.data), f.name).toBe(true);
    }
    const report = await readFile(path.join(plain, "report.md"), "utf8");
    for (const value of Object.values(m.report)) expect(report).toContain(value);
    const verification = await readFile(path.join(plain, "verification.txt"), "utf8");
    expect(verification).toContain("Overall: OK");
    expect(verification).not.toContain("PROBLEMS FOUND");
    // What the witness's page showed, read back from the editor's verification, file by file.
    for (const sha of receipt) {
      expect(verification).toContain(`sha256 (receipt): ${sha}`);
      expect(verification).toContain(`sha256 (decrypted): ${sha}`);
    }
  });
});
