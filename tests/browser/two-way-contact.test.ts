/**
 * Issue 5 end to end in headless Chromium: a witness submits and gets a codename; an editor logs
 * in and replies from the thread page (encrypted in the editor's browser); in a fresh browser
 * context the witness types the codename, reads the reply decrypted there, and sends a follow-up
 * with a file; the editor's bundle of the thread decrypts offline with `testigo decrypt`, follow-up
 * and reply included. Along the way: nothing stored in either witness context, and neither the
 * codename nor any plaintext on the wire or on the server's disk.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codenameWords, normalizeCodename } from "~/codename/codename";
import { loadWordlist } from "~/codename/wordlists";
import { launchChromium } from "../support/browsers";
import { runTestigo } from "../support/cli";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { PASSWORD, addEditor, totpCode } from "../security/editor-support";
import { browserTraces, fillAndSend, record, waitForReceipt, type Recorder } from "./helpers/chromium";
import { PlaintextIndex, findNeedles, leaksInRequests, scanTree, sentinelNeedles, type Needle } from "./helpers/leaks";
import { NO_TRACES } from "./helpers/traces";
import { startWireTap, type WireTap } from "./helpers/wire-tap";
import { makeWitnessMaterial, sentinel, sha256, submissionIds, type WitnessMaterial } from "./helpers/witness";

let portal: Portal | undefined;
let browser: Browser | undefined;
let material: WitnessMaterial | undefined;
let work: string | undefined;
const contexts: BrowserContext[] = [];
const taps: WireTap[] = [];
let editorPage: Page | undefined;
let totpSecret = "";

let threadId = "";
let codename = "";
const replyText = `Gracias. ¿Puede decirnos a qué hora llegaron? ${sentinel("REPLY")}`;
const followUpText = `Llegaron a las 21:40, eran cuatro. ${sentinel("FOLLOWUP")}`;
let followUpFile: { path: string; data: Buffer; name: string } | undefined;
let followUpIndex: PlaintextIndex | undefined;

beforeAll(async () => {
  material = await makeWitnessMaterial({ randomBytes: 256 * 1024 });
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-contact-e2e-"));
  const data = randomBytes(3 * 1024 * 1024 + 17);
  followUpFile = { name: "segunda-foto.jpg", path: path.join(work, "segunda-foto.jpg"), data };
  await writeFile(followUpFile.path, data);
  followUpIndex = new PlaintextIndex(data);
  portal = await startPortal();
  totpSecret = (await addEditor(portal.dataDir, "ana")).secret;
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  for (const tap of taps) await tap.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  await material?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === "") throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

/** The codename and the reply/follow-up plaintexts, in every encoding a leak could take. */
function secretNeedles(): Needle[] {
  const c = need(codename, "codename");
  return [
    ...sentinelNeedles("codename", c),
    ...sentinelNeedles("codename (normalized)", normalizeCodename(c)),
    ...sentinelNeedles("reply text", replyText),
    ...sentinelNeedles("follow-up text", followUpText),
  ];
}

async function witnessContext(): Promise<{ context: BrowserContext; recorder: Recorder; tap: WireTap; page: Page }> {
  const p = need(portal, "portal");
  const context = await need(browser, "browser").newContext();
  contexts.push(context);
  const recorder = await record(context);
  const tap = await startWireTap(p.witnessUrl);
  taps.push(tap);
  return { context, recorder, tap, page: await context.newPage() };
}

function wireLeaks(tap: WireTap, needles: readonly Needle[]): string[] {
  return tap.connections().flatMap((bytes, i) => [
    ...findNeedles(bytes, needles).map((label) => `connection ${i}: ${label}`),
    ...(followUpIndex?.firstHit(bytes) ? [`connection ${i}: a run of the follow-up file`] : []),
  ]);
}

describe("Chromium: codename -> editor reply -> codename login -> follow-up -> offline decrypt", () => {
  it("the witness submits and gets a 7-word codename in Spanish, shown once, and practises it", async () => {
    const m = need(material, "material");
    const { context, recorder, tap, page } = await witnessContext();
    await page.goto(`${tap.url}/submit?lang=es`);
    await fillAndSend(page, { report: m.report, files: m.files.map((f) => f.path) });
    await waitForReceipt(page, 120_000);
    const ids = submissionIds(recorder.requests.map((r) => r.url));
    expect(ids).toHaveLength(1);
    threadId = ids[0]!;

    await page.getByTestId("codename-create").click();
    const shown = page.getByTestId("codename");
    await shown.waitFor({ timeout: 120_000 });
    codename = (await shown.innerText()).trim();
    const words = codenameWords(codename);
    expect(words).toHaveLength(7);
    const spanish = new Set((await loadWordlist("es")).map(normalizeCodename));
    for (const word of words) expect(spanish.has(word), word).toBe(true);

    // The practice field: a typo is flagged, the codename typed without accents or capitals matches.
    await page.getByTestId("codename-practice").fill(`${words.slice(0, 6).join(" ")} zzzqx`);
    await expect.poll(() => page.getByTestId("codename-practice-result").innerText()).toMatch(/zzzqx/);
    await page.getByTestId("codename-practice").fill(normalizeCodename(codename).toUpperCase());
    await expect.poll(() => page.getByTestId("codename-practice-result").innerText()).toMatch(/Correcto/);

    await recorder.settle();
    // The registration carried keys and a verifier, never the words.
    const registration = recorder.requests.filter((r) => r.url.endsWith(`/api/v1/submissions/${threadId}/contact`));
    expect(registration).toHaveLength(1);
    expect(leaksInRequests(recorder.requests, secretNeedles(), [])).toEqual([]);
    expect(wireLeaks(tap, secretNeedles())).toEqual([]);
    expect(recorder.cspViolations).toEqual([]);
    expect(recorder.pageErrors).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    expect(await browserTraces(page)).toEqual(NO_TRACES);
  });

  it("an editor replies from the thread page; the reply is encrypted in the editor's browser", async () => {
    const p = need(portal, "portal");
    const id = need(threadId, "thread id");
    const context = await need(browser, "browser").newContext({ acceptDownloads: true });
    contexts.push(context);
    const recorder = await record(context);
    const page = await context.newPage();
    editorPage = page;
    await page.goto(`${p.editorUrl}/editor/login`);
    await page.getByLabel("Name").fill("ana");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Code from your authenticator app").fill(totpCode(totpSecret));
    await Promise.all([page.waitForURL(`${p.editorUrl}/editor`), page.getByRole("button", { name: "Log in" }).click()]);

    await page.goto(`${p.editorUrl}/editor/submissions/${id}`);
    await page.getByTestId("reply-text").fill(replyText);
    await page.getByTestId("reply-send").click();
    await page.getByTestId("reply-row").first().waitFor({ timeout: 60_000 });
    await recorder.settle();
    const posts = recorder.requests.filter((r) => r.method === "POST" && r.url.endsWith(`/editor/submissions/${id}/replies`));
    expect(posts).toHaveLength(1);
    expect(leaksInRequests(recorder.requests, sentinelNeedles("reply text", replyText), [])).toEqual([]);
    expect(recorder.cspViolations).toEqual([]);
    expect(recorder.pageErrors).toEqual([]);
  });

  it("a wrong codename gets the one answer; the right one, in a fresh context, shows the reply decrypted", async () => {
    need(codename, "codename");
    const { context, recorder, tap, page } = await witnessContext();
    await page.goto(`${tap.url}/contact?lang=es`);

    const words = codenameWords(codename);
    const wrong = [...words.slice(0, 6), words[6] === "casa" ? "perro" : "casa"].join(" ");
    await page.getByTestId("codename-input").fill(wrong);
    await page.getByTestId("codename-open").click();
    const error = page.getByTestId("error");
    await error.waitFor({ timeout: 120_000 });
    expect(await error.innerText()).toMatch(/Ninguna conversación corresponde a este nombre clave/);

    // Typed as a witness might: capitals, no accents, extra spaces.
    await page.getByTestId("codename-input").fill(`  ${normalizeCodename(codename).toUpperCase().split(" ").join("   ")} `);
    await page.getByTestId("codename-open").click();
    const reply = page.getByTestId("reply-text").first();
    await reply.waitFor({ timeout: 120_000 });
    expect((await reply.innerText()).trim()).toBe(replyText);

    // A follow-up with a file, into the same thread.
    await page.getByTestId("follow-up-message").fill(followUpText);
    await page.getByTestId("file-input").setInputFiles([need(followUpFile, "follow-up file").path]);
    await page.locator(".file-list__item").first().waitFor();
    await page.getByTestId("follow-up-send").click();
    const receipt = await waitForReceipt(page, 120_000);
    expect(receipt).toEqual([sha256(need(followUpFile, "follow-up file").data)]);

    await recorder.settle();
    // Privacy after a codename login: nothing kept, nothing set, nothing plaintext sent.
    expect(await context.cookies()).toEqual([]);
    expect(await browserTraces(page)).toEqual(NO_TRACES);
    expect(recorder.responses.filter((r) => "set-cookie" in r.headers).map((r) => r.url)).toEqual([]);
    expect(leaksInRequests(recorder.requests, secretNeedles(), [{ label: "the follow-up file", index: need(followUpIndex, "index") }])).toEqual([]);
    expect(wireLeaks(tap, secretNeedles())).toEqual([]);
    expect(recorder.cspViolations).toEqual([]);
    expect(recorder.pageErrors).toEqual([]);
    const origin = new URL(tap.url).origin;
    expect(recorder.requests.filter((r) => new URL(r.url).origin !== origin).map((r) => r.url)).toEqual([]);
  });

  it("the editor's bundle of the thread decrypts offline with testigo decrypt, follow-up and reply included", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    const page = need(editorPage, "editor page");
    const dir = need(work, "work dir");
    await page.goto(`${p.editorUrl}/editor/submissions/${threadId}`);
    // The follow-up is listed in the thread.
    await expect.poll(() => page.getByTestId("follow-up-row").count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("thread-bundle").click()]);
    const bundle = path.join(dir, "thread.tar");
    await download.saveAs(bundle);
    expect(await download.failure()).toBeNull();

    const out = path.join(dir, "plain");
    const result = await runTestigo(["decrypt", bundle, "--key", need(p.demoSecretKeyPath, "demo key"), "--out", out]);
    expect(result.out).not.toContain("NETWORK-ATTEMPT");
    expect(result.code, result.out).toBe(0);
    const folders = (await readdir(out)).sort();
    expect(folders).toHaveLength(2);
    const all = await readAllText(out);
    // The first report, the follow-up's message and file, and the editor's reply.
    expect(all.text).toContain(m.sentinels.report);
    expect(all.text).toContain(followUpText);
    expect(all.text).toContain(replyText);
    expect(all.buffers.some((b) => b.equals(need(followUpFile, "follow-up file").data))).toBe(true);
    expect(all.text).not.toContain("PROBLEMS FOUND");
  });

  it("the server's data directory holds neither the codename nor any plaintext (database, WAL, blobs)", async () => {
    const p = need(portal, "portal");
    const m = need(material, "material");
    // Scanned while the portal runs, so the WAL is still there to be read.
    const { files, findings } = await scanTree(p.dataDir, [...secretNeedles(), ...m.needles], [{ label: "the follow-up file", index: need(followUpIndex, "index") }]);
    expect(files.some((f) => f.endsWith("testigo.sqlite"))).toBe(true);
    expect(findings).toEqual([]);
  });
});

async function readAllText(dir: string): Promise<{ text: string; buffers: Buffer[] }> {
  const buffers: Buffer[] = [];
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else buffers.push(await readFile(full));
    }
  }
  await walk(dir);
  return { text: buffers.map((b) => b.toString("utf8")).join("\n"), buffers };
}
