/**
 * Promise 1, "no fallback that sends plaintext, with or without JavaScript". Tor Browser's
 * "Safest" level turns JavaScript off; then the witness must be told, in her language, that
 * encryption happens in the browser and that nothing can be sent until JavaScript is allowed; the
 * page must offer no way to send (no <form>, every control disabled); and a form post made anyway
 * is refused with 405 and stores nothing. Chromium (javaScriptEnabled: false) and Firefox ESR
 * (the javascript.enabled pref; puppeteer's setJavaScriptEnabled is not implemented over BiDi).
 */
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser as PlaywrightBrowser } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeFirefox, launchChromium, launchFirefox } from "../support/browsers";
import { listFiles, removeDataDir, startPortal, type Portal } from "../support/portal";
import { scanTree, sentinelNeedles } from "./helpers/leaks";
import { sentinel } from "./helpers/witness";

let portal: Portal | undefined;
let chromiumBrowser: PlaywrightBrowser | undefined;
let firefoxBrowser: PuppeteerBrowser | undefined;

beforeAll(async () => {
  portal = await startPortal();
  [chromiumBrowser, firefoxBrowser] = await Promise.all([launchChromium(), launchFirefox({ javaScriptEnabled: false })]);
});

afterAll(async () => {
  await chromiumBrowser?.close().catch(() => undefined);
  if (firefoxBrowser) await closeFirefox(firefoxBrowser).catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
});

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

/** What the notice must say, in the witness's own words (not copied from the catalogue). */
const MUST_SAY = {
  es: [/El cifrado se hace aquí, en tu navegador/, /no se puede enviar nada hasta que permitas JavaScript/],
  en: [/Encryption happens here, in your browser/, /nothing can be sent until you allow JavaScript/],
} as const;

const REPORT_CONTROLS = ["report-what", "report-where", "report-when", "report-who", "file-input", "submit"];

interface PageFacts {
  lang: string;
  /** Rendered text only (innerText): a <noscript> that is not shown does not count. */
  text: string;
  forms: number;
  controls: { testid: string; tag: string; disabled: boolean }[];
}

/** Read inside the page; self-contained, so both Playwright and puppeteer can send it. */
function pageFacts(): PageFacts {
  return {
    lang: document.documentElement.lang,
    text: document.body.innerText,
    forms: document.querySelectorAll("form").length,
    controls: Array.from(document.querySelectorAll("input, textarea, button, select")).map((el) => ({
      testid: el.getAttribute("data-testid") ?? "",
      tag: el.tagName.toLowerCase(),
      disabled: el.matches(":disabled"),
    })),
  };
}

const PAGES = [
  ["/", "es"],
  ["/", "en"],
  ["/submit", "es"],
  ["/submit", "en"],
] as const;

function expectNoWayToSend(facts: PageFacts, page: string, lang: "es" | "en"): void {
  expect(facts.lang).toBe(lang);
  for (const pattern of MUST_SAY[lang]) expect(facts.text, `${page}?lang=${lang}`).toMatch(pattern);
  // The witness's language comes first; the other one follows for a witness who landed wrongly.
  const other = lang === "es" ? "en" : "es";
  expect(facts.text.search(MUST_SAY[lang][0])).toBeLessThan(facts.text.search(MUST_SAY[other][0]));
  expect(facts.forms).toBe(0);
  expect(facts.controls.filter((c) => !c.disabled)).toEqual([]);
  if (page === "/submit") expect(facts.controls.map((c) => c.testid)).toEqual(expect.arrayContaining(REPORT_CONTROLS));
}

describe("without JavaScript nothing can be sent, and the witness is told why", () => {
  it.each(PAGES)("Chromium, %s?lang=%s", async (page, lang) => {
    const p = need(portal, "portal");
    const context = await need(chromiumBrowser, "Chromium").newContext({ javaScriptEnabled: false });
    try {
      const requests: string[] = [];
      context.on("request", (r) => requests.push(r.url()));
      const tab = await context.newPage();
      const response = await tab.goto(`${p.witnessUrl}${page}?lang=${lang}`);
      expect(response?.status()).toBe(200);
      expectNoWayToSend(await tab.evaluate(pageFacts), page, lang);
      // The page loaded its stylesheet and icon from itself, and asked the API for nothing.
      const origin = new URL(p.witnessUrl).origin;
      expect(requests.filter((u) => new URL(u).origin !== origin || new URL(u).pathname.startsWith("/api/"))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it.each(PAGES)("Firefox ESR, %s?lang=%s", async (page, lang) => {
    const p = need(portal, "portal");
    const tab = await need(firefoxBrowser, "Firefox").newPage();
    try {
      const requests: string[] = [];
      tab.on("request", (r) => requests.push(r.url()));
      const response = await tab.goto(`${p.witnessUrl}${page}?lang=${lang}`);
      expect(response?.status()).toBe(200);
      expectNoWayToSend(await tab.evaluate(pageFacts), page, lang);
      const origin = new URL(p.witnessUrl).origin;
      expect(requests.filter((u) => !u.startsWith("data:") && (new URL(u).origin !== origin || new URL(u).pathname.startsWith("/api/")))).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it("a form post to the witness pages, made anyway, is refused with 405 and stores nothing", async () => {
    const p = need(portal, "portal");
    const secret = sentinel("FORMPOST");
    const before = await listFiles(p.dataDir);
    const multipart = [
      "--testigo-boundary",
      'Content-Disposition: form-data; name="what"',
      "",
      secret,
      "--testigo-boundary",
      'Content-Disposition: form-data; name="file"; filename="acta.txt"',
      "Content-Type: text/plain",
      "",
      secret,
      "--testigo-boundary--",
      "",
    ].join("\r\n");
    const bodies = [
      { type: "application/x-www-form-urlencoded", body: new URLSearchParams({ what: secret, where: "Maracaibo" }).toString() },
      { type: "multipart/form-data; boundary=testigo-boundary", body: multipart },
      { type: "text/plain", body: `what=${secret}` },
    ];
    // /submit as a plain form would post it; the Remix action endpoints (single fetch, ?index).
    for (const target of ["/submit", "/submit?lang=es", "/submit.data", "/submit?index", "/", "/_root.data"]) {
      for (const { type, body } of bodies) {
        const res = await fetch(`${p.witnessUrl}${target}`, { method: "POST", headers: { "Content-Type": type }, body });
        const text = await res.text();
        expect(res.status, `POST ${target} (${type})`).toBe(405);
        expect(res.headers.get("allow")).toBe("GET, HEAD");
        expect(text).not.toContain(secret);
        expect(res.headers.get("set-cookie")).toBeNull();
      }
    }
    expect(await listFiles(p.dataDir)).toEqual(before);
    expect(await listFiles(path.join(p.dataDir, "blobs"))).toEqual([]);
    const db = new Database(path.join(p.dataDir, "testigo.sqlite"), { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM submissions").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect((await scanTree(p.dataDir, sentinelNeedles("form post sentinel", secret))).findings).toEqual([]);
    expect(p.output()).not.toContain(secret);
  });
});
