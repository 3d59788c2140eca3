/**
 * Debian's browsers, driven without any browser download: Chromium through playwright-core, and
 * Firefox ESR (the Tor Browser engine) through puppeteer-core over WebDriver BiDi.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser as PlaywrightBrowser } from "playwright-core";
import puppeteer, { type Browser as PuppeteerBrowser, type HTTPRequest } from "puppeteer-core";
import { z } from "zod";

export const CHROMIUM = "/usr/bin/chromium";
export const FIREFOX = "/usr/bin/firefox-esr";

/** Flags that keep Chromium from calling home on this machine's closed network. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function launchChromium(): Promise<PlaywrightBrowser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface FirefoxOptions {
  /**
   * false: the `javascript.enabled` pref, as Tor Browser's "Safest" level has it. Puppeteer's
   * page.setJavaScriptEnabled() needs emulation.setScriptingEnabled, which Firefox ESR 153's
   * WebDriver BiDi does not implement.
   */
  javaScriptEnabled?: boolean;
  /** The Accept-Language header (`intl.accept_languages`), e.g. "es". */
  acceptLanguage?: string;
  /**
   * Closer to what witnesses run: Tor Browser's defaults that change how a page behaves (always
   * private browsing, resistFingerprinting) and its "Safer" security level (no JIT, no
   * WebAssembly), under which the portal must still encrypt and send.
   */
  torBrowserSafer?: boolean;
}

const TOR_BROWSER_SAFER_PREFS = {
  "browser.privatebrowsing.autostart": true,
  "privacy.resistFingerprinting": true,
  "javascript.options.ion": false,
  "javascript.options.baselinejit": false,
  "javascript.options.native_regexp": false,
  "javascript.options.asmjs": false,
  "javascript.options.wasm": false,
};

/** Profiles made by launchFirefox, removed by closeFirefox. */
const firefoxProfiles = new WeakMap<PuppeteerBrowser, string>();

export async function launchFirefox(options: FirefoxOptions = {}): Promise<PuppeteerBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "testigo-ff-"));
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    protocol: "webDriverBiDi",
    userDataDir: profile,
    extraPrefsFirefox: {
      // Keep Firefox off the network except for the portal under test.
      "network.captive-portal-service.enabled": false,
      "app.update.enabled": false,
      "browser.safebrowsing.malware.enabled": false,
      "browser.safebrowsing.phishing.enabled": false,
      "datareporting.policy.dataSubmissionEnabled": false,
      "toolkit.telemetry.enabled": false,
      "network.connectivity-service.enabled": false,
      // Tor Browser's "Safer" level still runs JavaScript on http .onion; loopback is http too.
      "dom.security.https_only_mode": false,
      ...(options.javaScriptEnabled === false ? { "javascript.enabled": false } : {}),
      ...(options.acceptLanguage ? { "intl.accept_languages": options.acceptLanguage } : {}),
      ...(options.torBrowserSafer ? TOR_BROWSER_SAFER_PREFS : {}),
    },
  });
  firefoxProfiles.set(browser, profile);
  return browser;
}

/** Closes a browser from launchFirefox, waits for its process to end, and deletes its profile. */
export async function closeFirefox(browser: PuppeteerBrowser): Promise<void> {
  const child = browser.process();
  const exited = child && child.exitCode === null && child.signalCode === null ? once(child, "exit") : Promise.resolve();
  await browser.close();
  await exited;
  const profile = firefoxProfiles.get(browser);
  // Retries: a Firefox helper process may still be finishing a write as the main one exits.
  if (profile) await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

const BidiGetDataResult = z.object({
  result: z.object({ bytes: z.discriminatedUnion("type", [z.object({ type: z.literal("string"), value: z.string() }), z.object({ type: z.literal("base64"), value: z.string() })]) }),
});

/**
 * The body Firefox sent with a request, from WebDriver BiDi's `network.getData` (puppeteer keeps
 * a request data collector of 20 MB). Puppeteer's own request.fetchPostData() refuses binary
 * bodies ("base64 is not supported") and postData() needs CDP, so this asks the BiDi connection
 * directly; it is not part of puppeteer's typed API, hence the runtime checks.
 */
export async function firefoxRequestBody(browser: PuppeteerBrowser, request: HTTPRequest): Promise<Buffer> {
  // The BiDi request id; puppeteer's BiDi requests carry it, but its typings mark it internal.
  const requestId: unknown = Reflect.get(request, "id");
  if (typeof requestId !== "string") throw new Error("puppeteer's request has no BiDi id: cannot read its body");
  const connection: unknown = Reflect.get(browser, "connection");
  const send: unknown = typeof connection === "object" && connection !== null ? Reflect.get(connection, "send") : undefined;
  if (typeof send !== "function") throw new Error("puppeteer's BiDi connection is not reachable: cannot read request bodies");
  const answer: unknown = await Reflect.apply(send, connection, ["network.getData", { dataType: "request", request: requestId }]);
  const { bytes } = BidiGetDataResult.parse(answer).result;
  return Buffer.from(bytes.value, bytes.type === "base64" ? "base64" : "utf8");
}
