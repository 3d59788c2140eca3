/**
 * The editor's thread page in headless Chromium (docs/adr/0007-two-way-contact.md). A witness's
 * submission and contact registration are made under Node against a demo portal; the editor logs
 * in, opens the thread from the inbox, types a reply and sends it. The reply is listed at once,
 * the POST the browser sent is ciphertext only (the typed text is nowhere in it, nor in any other
 * request), and the witness, through the witness API with a solved proof of work, decrypts it
 * with their key: the same text. Then a reply prepared offline with `testigo reply` from the
 * thread's bundle is uploaded on the same page, and the bundle decrypts offline with both.
 * A thread whose witness chose no codename offers no composer.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { solveChallenge } from "~/codename/pow";
import { createWitnessKey, unlockWitnessKey } from "~/codename/witness-key";
import { ChallengeSchema, ThreadViewSchema, type ThreadView } from "~/contact/format";
import { decryptReply } from "~/contact/reply";
import { randomBytes, toHex } from "~/envelope/hex";
import { launchChromium } from "../support/browsers";
import { runTestigo } from "../support/cli";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";
import { PASSWORD, addEditor, totpCode } from "../security/editor-support";
import { record, type Recorder } from "./helpers/chromium";

let portal: Portal | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page | undefined;
let recorder: Recorder | undefined;
let work: string | undefined;
let totpSecret = "";
let threadId = "";
let silentId = "";
const login = toHex(randomBytes(32));
const keyPassphrase = toHex(randomBytes(32));
let witnessKeys: { publicKey: Uint8Array; secretKey: Uint8Array } | undefined;

const typed = `¿Está a salvo? Necesitamos la hora exacta en que cerraron la mesa 4. SENTINEL-${toHex(randomBytes(8))}`;
const offline = `Respuesta preparada sin conexión. SENTINEL-${toHex(randomBytes(8))}`;

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === "") throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** What the witness's browser does with the codename's login verifier: solve a puzzle, open. */
async function openThread(witnessUrl: string): Promise<ThreadView> {
  const challenge = ChallengeSchema.parse(await (await fetch(`${witnessUrl}/api/v1/contact/challenge`)).json());
  const nonce = await solveChallenge(challenge.challenge, challenge.bits);
  const res = await fetch(`${witnessUrl}/api/v1/contact/open`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login, challenge: challenge.challenge, nonce }),
  });
  expect(res.status).toBe(200);
  return ThreadViewSchema.parse(await res.json());
}

async function readAsWitness(view: ThreadView): Promise<string[]> {
  const key = await unlockWitnessKey(need(witnessKeys, "witness keys").secretKey, keyPassphrase);
  const texts: string[] = [];
  for (const r of view.replies) texts.push((await decryptReply({ thread: view.thread, message: new Uint8Array(Buffer.from(r.message, "base64")), key })).text);
  return texts;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-editor-reply-"));
  portal = await startPortal();
  totpSecret = (await addEditor(portal.dataDir, "ana")).secret;
  const { recipients } = await fetchRecipients(portal.witnessUrl);
  const data = new TextEncoder().encode("acta de la mesa 4");

  const root = await buildSubmission({ recipients, files: [{ name: "acta.txt", type: "text/plain", data }], report: { what: "Cerraron la mesa" } });
  await uploadAndSeal(portal.witnessUrl, root);
  threadId = root.id;
  witnessKeys = await createWitnessKey(keyPassphrase);
  const registered = await fetch(`${portal.witnessUrl}/api/v1/submissions/${root.id}/contact`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ format: 1, login, publicKey: base64(witnessKeys.publicKey), secretKey: base64(witnessKeys.secretKey) }),
  });
  expect(registered.status, await registered.text()).toBe(201);

  const silent = await buildSubmission({ recipients, files: [{ name: "otra.txt", type: "text/plain", data }] });
  await uploadAndSeal(portal.witnessUrl, silent);
  silentId = silent.id;

  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
  recorder = await record(context);
  page = await context.newPage();
  await page.goto(`${portal.editorUrl}/editor/login`);
  await page.getByLabel("Name").fill("ana");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Code from your authenticator app").fill(totpCode(totpSecret));
  await Promise.all([page.waitForURL(`${portal.editorUrl}/editor`), page.getByRole("button", { name: "Log in" }).click()]);
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the editor's thread page", () => {
  it("the inbox links each thread to its page and shows follow-ups and replies", async () => {
    const p = need(page, "editor page");
    const row = p.locator(`tr[data-submission="${threadId}"]`);
    expect((await row.getByTestId("follow-ups").innerText()).trim()).toBe("0");
    expect((await row.getByTestId("replies").innerText()).trim()).toBe("no");
    await Promise.all([p.waitForURL(`${need(portal, "portal").editorUrl}/editor/submissions/${threadId}`), row.getByTestId("open-thread").click()]);
    await p.getByTestId("no-replies").waitFor();
    // The text area is not a form field: nothing typed can be posted in plaintext.
    const textarea = p.getByTestId("reply-text");
    expect(await textarea.getAttribute("name")).toBeNull();
    expect(await p.locator("form textarea, form input[type=file]").count()).toBe(0);
  });

  it("a typed reply is encrypted in the browser, sent as ciphertext, listed, and the witness reads it", async () => {
    const p = need(page, "editor page");
    const r = need(recorder, "recorder");
    const send = p.getByTestId("reply-send");
    await expect.poll(() => send.isDisabled()).toBe(true);
    const bodies: Buffer[] = [];
    p.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith(`/editor/submissions/${threadId}/replies`)) bodies.push(request.postDataBuffer() ?? Buffer.alloc(0));
    });
    await p.getByTestId("reply-text").fill(typed);
    await expect.poll(() => send.isEnabled()).toBe(true);
    await send.click();
    await expect.poll(() => p.getByTestId("reply-status").innerText(), { timeout: 60_000 }).toContain("Reply sent");
    await expect.poll(() => p.getByTestId("reply-row").count(), { timeout: 30_000 }).toBe(1);
    expect(await p.getByTestId("reply-row").first().innerText()).toContain("ana");
    expect(await p.getByTestId("reply-text").inputValue()).toBe("");

    await r.settle();
    expect(bodies).toHaveLength(1);
    const body = need(bodies[0], "POST body");
    expect(body.length).toBeGreaterThan(4096);
    expect(body.includes(Buffer.from(typed, "utf8"))).toBe(false);
    expect(body.includes(Buffer.from("SENTINEL"))).toBe(false);
    // Nothing else the page sent carries the text either (no form post, no query string).
    for (const request of r.requests) {
      expect(request.url).not.toContain("SENTINEL");
      expect(request.body?.includes(Buffer.from("SENTINEL")) ?? false, request.url).toBe(false);
    }
    const post = r.requests.find((q) => q.method === "POST" && q.url.endsWith("/replies"));
    expect(post?.headers["content-type"]).toBe("application/octet-stream");
    expect(post?.headers["x-csrf-token"]).toMatch(/\S/);
    expect(r.cspViolations).toEqual([]);
    expect(r.pageErrors).toEqual([]);

    const view = await openThread(need(portal, "portal").witnessUrl);
    expect(view.thread).toBe(threadId);
    expect(await readAsWitness(view)).toEqual([typed]);
  });

  it("a reply prepared offline with `testigo reply` from the thread's bundle uploads on the same page", async () => {
    const p = need(page, "editor page");
    const prt = need(portal, "portal");
    const dir = need(work, "work dir");
    const [download] = await Promise.all([p.waitForEvent("download"), p.getByTestId("thread-bundle").click()]);
    const bundle = path.join(dir, "thread.tar");
    await download.saveAs(bundle);
    const message = path.join(dir, "message.txt");
    await writeFile(message, offline);
    const file = path.join(dir, "reply.pgp");
    const made = await runTestigo(["reply", "--bundle", bundle, "--keys", path.join(prt.dataDir, "demo-keys"), "--message-file", message, "--out", file]);
    expect(made.out).not.toContain("NETWORK-ATTEMPT");
    expect(made.code, made.out).toBe(0);

    await p.getByTestId("reply-file").setInputFiles(file);
    await expect.poll(() => p.getByTestId("reply-row").count(), { timeout: 30_000 }).toBe(2);
    expect(await readAsWitness(await openThread(prt.witnessUrl))).toEqual([typed, offline]);

    // The same file again: the portal already has it, nothing is stored twice.
    await p.getByTestId("reply-file").setInputFiles(file);
    await expect.poll(() => p.getByTestId("reply-status").innerText(), { timeout: 30_000 }).toContain("already had");
    expect(await p.getByTestId("reply-row").count()).toBe(2);

    // Something that is not a reply is refused, readably.
    const junk = path.join(dir, "junk.pgp");
    await writeFile(junk, "not a reply at all");
    await p.getByTestId("reply-file").setInputFiles(junk);
    await expect.poll(() => p.getByTestId("reply-error").innerText(), { timeout: 30_000 }).toMatch(/Refused by the portal \(4\d\d/);
    expect(need(recorder, "recorder").pageErrors).toEqual([]);

    // The editor's offline copy: both replies, in order, from the thread's bundle.
    const [again] = await Promise.all([p.waitForEvent("download"), p.getByTestId("thread-bundle").click()]);
    const second = path.join(dir, "thread-2.tar");
    await again.saveAs(second);
    const out = path.join(dir, "plain");
    const decrypted = await runTestigo(["decrypt", second, "--key", need(prt.demoSecretKeyPath, "demo key"), "--out", out]);
    expect(decrypted.code, decrypted.out).toBe(0);
    const replies = path.join(out, threadId, "replies");
    const names = (await readdir(replies)).sort();
    expect(names).toHaveLength(2);
    expect(await readFile(path.join(replies, names[0]!), "utf8")).toBe(typed);
    expect(await readFile(path.join(replies, names[1]!), "utf8")).toBe(offline);
  });

  it("the inbox then says the thread has replies", async () => {
    const p = need(page, "editor page");
    await p.goto(`${need(portal, "portal").editorUrl}/editor`);
    expect((await p.locator(`tr[data-submission="${threadId}"]`).getByTestId("replies").innerText()).trim()).toBe("yes");
  });

  it("a thread whose witness chose no codename offers no composer", async () => {
    const p = need(page, "editor page");
    await p.goto(`${need(portal, "portal").editorUrl}/editor/submissions/${silentId}`);
    expect(await p.getByTestId("no-codename").innerText()).toMatch(/chose no codename/);
    expect(await p.getByTestId("reply-text").count()).toBe(0);
    expect(await p.getByTestId("reply-file").count()).toBe(0);
  });
});
