/**
 * Two-way contact on the Tor Browser engine: Firefox ESR over WebDriver BiDi with Tor Browser's
 * private browsing, resistFingerprinting and "Safer" level (no JIT, no WebAssembly), where the
 * codename's scrypt and the proof of work run slowest. The thread is made from Node (submission,
 * codename registration, an editor's reply through the editor endpoint); Firefox then does what
 * the witness does: types the codename, reads the reply decrypted in the page, and sends a
 * follow-up, which the editor's key reads back with the thread named inside it.
 */
import { readFile } from "node:fs/promises";
import type { Browser, HTTPRequest, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadViewSchema } from "~/contact/format";
import { decryptManifest } from "~/envelope/decrypt";
import { closeFirefox, firefoxRequestBody, launchFirefox } from "../support/browsers";
import { encryptTestReply, loggedInEditor, openThread, postReply, seedThread } from "../support/contact";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { blobPath, fetchRecipients, readSecretKey } from "../support/submission";
import { leaksInRequests, sentinelNeedles, type SentBytes } from "./helpers/leaks";
import { NO_TRACES, collectTraces } from "./helpers/traces";
import { sentinel } from "./helpers/witness";

let portal: Portal | undefined;
let browser: Browser | undefined;
let thread = "";
let codename = "";
let login = "";
const replyText = `Thank you. Which polling station was it? ${sentinel("REPLY")}`;
const followUpText = `Station 12, Simón Bolívar school. ${sentinel("FOLLOWUP")}`;

beforeAll(async () => {
  portal = await startPortal();
  const p = portal;
  const { recipients } = await fetchRecipients(p.witnessUrl);
  const seeded = await seedThread(p.witnessUrl, recipients, { withCodename: true });
  thread = seeded.thread;
  codename = seeded.codename ?? "";
  login = seeded.login;
  const editor = await loggedInEditor(p);
  const reply = await encryptTestReply({ thread, witnessPublicKey: seeded.keys.publicKey, editorKeys: recipients, text: replyText });
  expect((await postReply(editor.client, thread, reply, editor.csrf)).status).toBe(201);

  browser = await launchFirefox({ torBrowserSafer: true, acceptLanguage: "en" });
});

afterAll(async () => {
  if (browser) await closeFirefox(browser).catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
});

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === "") throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

/** Every request the page made, with the bodies Firefox sent (read back over BiDi). */
function recordRequests(b: Browser, page: Page): { requests: SentBytes[]; pageErrors: string[]; settle(): Promise<void> } {
  const requests: SentBytes[] = [];
  const pageErrors: string[] = [];
  const pending: Promise<unknown>[] = [];
  const entries = new Map<HTTPRequest, SentBytes>();
  page.on("request", (request) => {
    const entry: SentBytes = { url: request.url(), method: request.method(), headers: request.headers(), body: null };
    entries.set(request, entry);
    requests.push(entry);
  });
  page.on("requestfinished", (request) => {
    const entry = entries.get(request);
    if (entry && request.hasPostData()) pending.push(firefoxRequestBody(b, request).then((body) => void (entry.body = body)));
  });
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  return {
    requests,
    pageErrors,
    async settle() {
      for (let seen = -1; seen !== pending.length; ) {
        seen = pending.length;
        await Promise.allSettled(pending);
      }
    },
  };
}

describe("Firefox ESR as Tor Browser (Safer): codename login, reply, follow-up", () => {
  it("the codename opens the thread, the reply is decrypted in the page, and a follow-up joins the thread", async () => {
    const p = need(portal, "portal");
    const b = need(browser, "browser");
    const page = await b.newPage();
    const rec = recordRequests(b, page);
    await page.goto(`${p.witnessUrl}/contact?lang=en`);
    await page.waitForSelector('[data-testid="codename-input"]:not(:disabled)');
    await page.type('[data-testid="codename-input"]', need(codename, "codename"));
    await page.click('[data-testid="codename-open"]');
    // No JIT: scrypt and the proof of work run in Firefox's interpreter.
    const shown = await page.waitForSelector('[data-testid="reply-text"], [data-testid="error"]', { timeout: 180_000 });
    expect(await shown?.evaluate((el) => `${el.getAttribute("data-testid")}: ${(el.textContent ?? "").trim()}`)).toBe(`reply-text: ${replyText}`);
    // Written as the browser composer writes it (no signature): marked so, after the keyring verified.
    const marker = await page.waitForSelector('[data-testid="reply-unsigned"]', { timeout: 10_000 });
    expect(await marker?.evaluate((el) => (el.textContent ?? "").trim())).toMatch(/^Not signed/);

    await page.waitForSelector('[data-testid="follow-up-message"]:not(:disabled)');
    await page.type('[data-testid="follow-up-message"]', followUpText);
    await page.click('[data-testid="follow-up-send"]');
    const outcome = await page.waitForSelector('[data-testid="receipt"], [data-testid="error"]', { timeout: 180_000 });
    expect(await outcome?.evaluate((el) => el.getAttribute("data-testid"))).toBe("receipt");
    await rec.settle();

    // Nothing kept in the browser, no cookie; the codename and the texts never left in the clear.
    expect(await page.evaluate(collectTraces)).toEqual(NO_TRACES);
    expect(await b.cookies()).toEqual([]);
    const needles = [...sentinelNeedles("codename", codename), ...sentinelNeedles("reply", replyText), ...sentinelNeedles("follow-up", followUpText)];
    expect(leaksInRequests(rec.requests, needles, [])).toEqual([]);
    // The bodies were read back (a scan of nothing would prove nothing).
    const open = rec.requests.filter((r) => r.url.endsWith("/api/v1/contact/open"));
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((r) => r.body !== null && r.body.length > 0)).toBe(true);
    expect(rec.pageErrors).toEqual([]);
    await page.close();
  });

  it("the follow-up is in the thread, and the editor's key reads it with the thread named inside", async () => {
    const p = need(portal, "portal");
    const view = ThreadViewSchema.parse(JSON.parse((await openThread(p.witnessUrl, need(login, "login"))).text));
    expect(view.followUps).toHaveLength(1);
    const followUp = view.followUps[0]!.id;
    const key = await readSecretKey(need(p.demoSecretKeyPath, "demo key"));
    const manifest = await decryptManifest({ bytes: await readFile(blobPath(p.dataDir, followUp, "manifest")), keys: [key], submissionId: followUp });
    expect(manifest.thread).toBe(thread);
    expect(manifest.report.what).toBe(followUpText);
    expect(manifest.language).toBe("en");
  });
});
