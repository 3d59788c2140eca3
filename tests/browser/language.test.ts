/**
 * Witnesses write in Spanish. The page speaks the browser's language (Accept-Language) unless the
 * URL says otherwise, and the switch link changes it without a cookie or any other trace: the
 * choice travels in `?lang=` only. Chromium with and without JavaScript, and Firefox ESR.
 */
import type { Browser as PlaywrightBrowser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeFirefox, launchChromium, launchFirefox } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { findNeedles, sentinelNeedles } from "./helpers/leaks";
import { NO_TRACES, collectTraces } from "./helpers/traces";
import { sentinel } from "./helpers/witness";

const SPANISH = { lang: "es", title: "Enviar un informe", switchTo: "English" };
const ENGLISH = { lang: "en", title: "Send a report", switchTo: "Español" };

let portal: Portal | undefined;
let chromiumBrowser: PlaywrightBrowser | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  portal = await startPortal();
  chromiumBrowser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await chromiumBrowser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
});

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

async function chromiumContext(acceptLanguage: string, javaScriptEnabled = true): Promise<{ context: BrowserContext; setCookies: string[] }> {
  const context = await need(chromiumBrowser, "Chromium").newContext({ extraHTTPHeaders: { "Accept-Language": acceptLanguage }, javaScriptEnabled });
  contexts.push(context);
  const setCookies: string[] = [];
  context.on("response", (response) => {
    void response.headerValue("set-cookie").then((value) => {
      if (value !== null) setCookies.push(`${response.url()}: ${value}`);
    });
  });
  return { context, setCookies };
}

describe("language: Accept-Language decides, the switch link changes it, no cookie", () => {
  it.each([
    ["es", SPANISH],
    ["es-VE,es;q=0.9,en;q=0.8", SPANISH],
    ["en", ENGLISH],
    // What Tor Browser sends whatever the system language (privacy.spoof_english).
    ["en-US,en;q=0.5", ENGLISH],
  ])("Accept-Language: %s", async (acceptLanguage, expected) => {
    const p = need(portal, "portal");
    const { context } = await chromiumContext(acceptLanguage);
    const page = await context.newPage();
    await page.goto(`${p.witnessUrl}/submit`);
    expect(await page.locator("html").getAttribute("lang")).toBe(expected.lang);
    expect((await page.locator("h1").innerText()).trim()).toBe(expected.title);
    expect((await page.locator("a.lang-switch").innerText()).trim()).toBe(expected.switchTo);
  });

  it("with JavaScript: the switch changes the language in place, keeps what was typed, sends nothing of it, sets no cookie", async () => {
    const p = need(portal, "portal");
    const { context, setCookies } = await chromiumContext("es");
    const page = await context.newPage();
    await page.goto(`${p.witnessUrl}/submit`);
    expect((await page.locator("h1").innerText()).trim()).toBe(SPANISH.title);
    const typed = `Lo que vi: ${sentinel("TYPED")}`;
    await page.getByTestId("report-what").fill(typed);
    const requests: { url: string; headers: string; body: Buffer | null }[] = [];
    context.on("request", (r) => requests.push({ url: r.url(), headers: JSON.stringify(r.headers()), body: r.postDataBuffer() }));

    await page.locator("a.lang-switch").click();
    await page.locator("h1", { hasText: ENGLISH.title }).waitFor();
    expect(new URL(page.url()).searchParams.get("lang")).toBe("en");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(await page.getByTestId("report-what").inputValue()).toBe(typed);
    const needles = sentinelNeedles("typed text", typed);
    expect(requests.flatMap((r) => [...findNeedles(r.url, needles), ...findNeedles(r.headers, needles), ...(r.body ? findNeedles(r.body, needles) : [])])).toEqual([]);

    // And back: the link now leads to Spanish.
    await page.locator("a.lang-switch").click();
    await page.locator("h1", { hasText: SPANISH.title }).waitFor();
    expect(new URL(page.url()).searchParams.get("lang")).toBe("es");

    expect(await context.cookies()).toEqual([]);
    expect(setCookies).toEqual([]);
    expect(await page.evaluate(collectTraces)).toEqual(NO_TRACES);
  });

  it("without JavaScript: the switch is a plain link to ?lang=, and nothing makes the choice stick", async () => {
    const p = need(portal, "portal");
    const { context, setCookies } = await chromiumContext("es", false);
    const page = await context.newPage();
    await page.goto(`${p.witnessUrl}/submit`);
    expect((await page.locator("h1").innerText()).trim()).toBe(SPANISH.title);
    await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.locator("a.lang-switch").click()]);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect((await page.locator("h1").innerText()).trim()).toBe(ENGLISH.title);
    // No cookie remembered the choice: without ?lang= the browser's language decides again.
    await page.goto(`${p.witnessUrl}/submit`);
    expect((await page.locator("h1").innerText()).trim()).toBe(SPANISH.title);
    expect(await context.cookies()).toEqual([]);
    expect(setCookies).toEqual([]);
  });

  it("Firefox ESR: Spanish from intl.accept_languages, switch to English, no cookie", async () => {
    const p = need(portal, "portal");
    const firefox = await launchFirefox({ acceptLanguage: "es" });
    try {
      const page = await firefox.newPage();
      const setCookies: string[] = [];
      page.on("response", (r) => {
        const value = r.headers()["set-cookie"];
        if (value !== undefined) setCookies.push(`${r.url()}: ${value}`);
      });
      await page.goto(`${p.witnessUrl}/submit`);
      expect(await page.$eval("html", (el) => el.lang)).toBe("es");
      expect(await page.$eval("h1", (el) => el.textContent)).toBe(SPANISH.title);
      await page.waitForSelector('[data-testid="report-what"]:not(:disabled)');
      await page.click("a.lang-switch");
      await page.waitForFunction((title) => document.querySelector("h1")?.textContent === title, {}, ENGLISH.title);
      expect(new URL(page.url()).searchParams.get("lang")).toBe("en");
      expect(await page.$eval("html", (el) => el.lang)).toBe("en");
      expect(await firefox.cookies()).toEqual([]);
      expect(setCookies).toEqual([]);
      expect(await page.evaluate(collectTraces)).toEqual(NO_TRACES);
    } finally {
      await closeFirefox(firefox);
    }
  });
});
