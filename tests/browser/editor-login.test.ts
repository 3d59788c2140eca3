/**
 * An editor in Chromium: logs in with name, password and a TOTP code (computed here as an
 * authenticator app would), sees the inbox, downloads a submission as one bundle, and logs out.
 * Also proves that Chromium keeps the __Host- Secure cookies over http://127.0.0.1 (a potentially
 * trustworthy origin), which every loopback test of the editor interface relies on.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "~/envelope/hex";
import { utcDay } from "../../server/storage/day";
import { launchChromium } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { PASSWORD, SESSION_COOKIE, addEditor, totpCode, untar } from "../security/editor-support";

let portal: Portal;
let browser: Browser;
let secret: string;
let sub: BuiltSubmission;
let downloadsDir: string;

beforeAll(async () => {
  portal = await startPortal();
  secret = (await addEditor(portal.dataDir, "alice")).secret;
  const { recipients } = await fetchRecipients(portal.witnessUrl);
  sub = await buildSubmission({ recipients, chunkSize: 64 * 1024, files: [{ name: "acta-117.jpg", type: "image/jpeg", data: randomBytes(200_000) }] });
  await uploadAndSeal(portal.witnessUrl, sub);
  browser = await launchChromium();
  downloadsDir = await mkdtemp(path.join(os.tmpdir(), "testigo-editor-dl-"));
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  if (portal) await removeDataDir(portal.dataDir);
  if (downloadsDir) await rm(downloadsDir, { recursive: true, force: true });
});

async function tarEntries(file: string): Promise<Map<string, Buffer>> {
  return untar(await readFile(file));
}

describe("an editor in Chromium", () => {
  it("logs in with password and TOTP, sees the inbox, downloads the bundle and logs out", async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));

    // Unauthenticated: the inbox sends us to the login page.
    await page.goto(`${portal.editorUrl}/editor`);
    expect(new URL(page.url()).pathname).toBe("/editor/login");
    await expect.poll(() => page.getByRole("heading", { name: "Editor login" }).isVisible()).toBe(true);
    // The witness header (with its links to witness pages) is hidden here.
    expect(await page.locator(".site-header").isVisible()).toBe(false);

    await page.getByLabel("Name").fill("alice");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Code from your authenticator app").fill(totpCode(secret));
    await Promise.all([page.waitForURL(`${portal.editorUrl}/editor`), page.getByRole("button", { name: "Log in" }).click()]);

    // The Secure, __Host- session cookie was kept on http://127.0.0.1.
    const cookies = await context.cookies(portal.editorUrl);
    const session = cookies.find((c) => c.name === SESSION_COOKIE);
    expect(session, JSON.stringify(cookies)).toBeDefined();
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: "Strict", path: "/", expires: -1 });

    await expect.poll(() => page.getByTestId("signed-in-as").textContent()).toContain("alice");
    const row = page.locator(`tr[data-submission="${sub.id}"]`);
    expect(await row.locator("td").first().textContent()).toBe(utcDay());
    expect(await row.getByTestId("state").textContent()).toBe("new");
    expect(await page.getByTestId("inbox-summary").textContent()).toBe("1 sealed submission, 1 new.");

    const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("download").click()]);
    expect(download.suggestedFilename()).toBe(`testigo-${utcDay()}-${sub.id.slice(0, 8)}.tar`);
    const saved = path.join(downloadsDir, download.suggestedFilename());
    await download.saveAs(saved);
    expect(await download.failure()).toBeNull();
    const entries = await tarEntries(saved);
    expect([...entries.keys()].sort()).toEqual([`${sub.id}/index.json`, `${sub.id}/thread.json`, ...sub.parts.map((p) => `${sub.id}/${p.name}`)].sort());
    for (const part of sub.parts) {
      expect(createHash("sha256").update(entries.get(`${sub.id}/${part.name}`)!).digest("hex"), part.name).toBe(
        createHash("sha256").update(part.bytes).digest("hex"),
      );
    }

    // Recorded once the last byte has left the server: reload until the inbox shows it.
    await expect
      .poll(async () => {
        await page.reload();
        return page.locator(`tr[data-submission="${sub.id}"]`).getByTestId("state").textContent();
      })
      .toBe("downloaded");

    await Promise.all([page.waitForURL(/\/editor\/login\?signed-out$/), page.getByRole("button", { name: "Log out" }).click()]);
    expect(await page.getByText("You are logged out.").isVisible()).toBe(true);
    expect((await context.cookies(portal.editorUrl)).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    await page.goto(`${portal.editorUrl}/editor`);
    expect(new URL(page.url()).pathname).toBe("/editor/login");

    expect(problems).toEqual([]);
    await context.close();
  });

  it("a wrong code shows the generic failure", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${portal.editorUrl}/editor/login`);
    await page.getByLabel("Name").fill("alice");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Code from your authenticator app").fill(totpCode(secret) === "000000" ? "111111" : "000000");
    await Promise.all([page.waitForURL(/\/editor\/login\?failed$/), page.getByRole("button", { name: "Log in" }).click()]);
    expect(await page.getByTestId("login-failed").isVisible()).toBe(true);
    expect((await context.cookies(portal.editorUrl)).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    await context.close();
  });
});
