/**
 * The editor login in Firefox ESR (the Tor Browser engine; editors may reach the interface over
 * an onion service): the __Host- Secure session cookie is kept over http://127.0.0.1, the form's
 * Origin passes the CSRF check, and the inbox opens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "puppeteer-core";
import { launchFirefox } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { PASSWORD, SESSION_COOKIE, addEditor, totpCode } from "../security/editor-support";

let portal: Portal;
let browser: Browser;

beforeAll(async () => {
  portal = await startPortal();
  browser = await launchFirefox();
});

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  if (portal) await removeDataDir(portal.dataDir);
});

describe("an editor in Firefox ESR", () => {
  it("logs in with password and TOTP and keeps the Secure session cookie on loopback", async () => {
    const { secret } = await addEditor(portal.dataDir, "alice");
    const page = await browser.newPage();
    await page.goto(`${portal.editorUrl}/editor/login`);
    await page.type("#name", "alice");
    await page.type("#password", PASSWORD);
    await page.type("#code", totpCode(secret));
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(new URL(page.url()).pathname).toBe("/editor");
    expect(await page.$eval("[data-testid=signed-in-as]", (el) => el.textContent)).toContain("alice");
    const session = (await browser.cookies()).find((c) => c.name === SESSION_COOKIE);
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: "Strict" });
  });
});
