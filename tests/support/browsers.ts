/**
 * Debian's browsers, driven without any browser download: Chromium through playwright-core, and
 * Firefox ESR (the Tor Browser engine) through puppeteer-core over WebDriver BiDi.
 */
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser as PlaywrightBrowser } from "playwright-core";
import puppeteer, { type Browser as PuppeteerBrowser } from "puppeteer-core";

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

export async function launchFirefox(): Promise<PuppeteerBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "testigo-ff-"));
  return puppeteer.launch({
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
    },
  });
}
