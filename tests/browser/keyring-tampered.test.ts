/**
 * The witness's browser checks the keyring itself before it encrypts anything: a keyring document
 * edited by hand (a key added, a status flipped) or re-signed by another root is refused with a
 * message, the form stays locked, and nothing is uploaded. The keyring is altered in flight (as a
 * seized server or a man in the middle would), since the portal itself refuses to serve one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { KeyringBundleSchema, KeyringDocumentSchema, type KeyringBundle } from "~/keyring/document";
import { generateV4Key } from "~/keyring/generate";
import { signKeyringDocument } from "../../server/keyring/sign";
import { launchChromium } from "../support/browsers";
import { removeDataDir, startPortal, type Portal } from "../support/portal";

let portal: Portal | undefined;
let browser: Browser | undefined;
let genuine: KeyringBundle;

beforeAll(async () => {
  portal = await startPortal();
  browser = await launchChromium();
  genuine = KeyringBundleSchema.parse(await (await fetch(`${portal.witnessUrl}/api/v1/keyring`)).json());
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => undefined);
    await removeDataDir(portal.dataDir);
  }
});

/** Opens /submit with the keyring replaced in flight; returns what the page showed and sent. */
async function openWith(bundle: KeyringBundle) {
  const context = await browser!.newContext();
  try {
    const page = await context.newPage();
    const uploads: string[] = [];
    page.on("request", (r) => {
      if (r.method() !== "GET") uploads.push(`${r.method()} ${r.url()}`);
    });
    await page.route("**/api/v1/keyring", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(bundle) }));
    await page.goto(`${portal!.witnessUrl}/submit?lang=es`);
    const shown = await page.waitForSelector("[data-testid=error], .keyring-ok", { timeout: 60_000 });
    const refused = (await shown.getAttribute("data-testid")) === "error";
    const message = refused ? await shown.innerText() : "";
    const submitEnabled = await page.locator("[data-testid=submit]").isEnabled();
    return { refused, message, submitEnabled, uploads };
  } finally {
    await context.close();
  }
}

function edited(change: (doc: ReturnType<typeof KeyringDocumentSchema.parse>) => void): KeyringBundle {
  const doc = KeyringDocumentSchema.parse(JSON.parse(genuine.document));
  change(doc);
  return { ...genuine, document: `${JSON.stringify(doc, null, 2)}\n` };
}

describe("the witness's browser refuses a keyring it cannot trust", () => {
  it("the genuine keyring is accepted (so the refusals below mean something)", async () => {
    const result = await openWith(genuine);
    expect(result.refused).toBe(false);
    expect(result.submitEnabled).toBe(true);
  });

  it("a key added by hand, without re-signing", async () => {
    const intruder = await generateV4Key({ name: "Intruder", encryption: true });
    const bundle = edited((doc) => {
      doc.keys.push({ fingerprint: intruder.fingerprint, label: "Editor", role: "editor", status: "active", added: "2026-11-27" });
    });
    const result = await openWith({ ...bundle, keys: { ...bundle.keys, [intruder.fingerprint]: intruder.armoredPublic } });
    expect(result.refused).toBe(true);
    expect(result.message.length).toBeGreaterThan(0);
    expect(result.submitEnabled).toBe(false);
    expect(result.uploads).toEqual([]);
  });

  it("a status flipped by hand (a retired key made active, or the active one retired)", async () => {
    const result = await openWith(edited((doc) => {
      for (const k of doc.keys) k.status = k.status === "active" ? "retired" : "active";
      doc.keys.push({ ...doc.keys[0]!, status: "active" });
    }));
    expect(result.refused).toBe(true);
    expect(result.submitEnabled).toBe(false);
    expect(result.uploads).toEqual([]);
  });

  it("the same document re-signed by another root key", async () => {
    const other = await generateV4Key({ name: "Other root", encryption: false });
    const doc = KeyringDocumentSchema.parse(JSON.parse(genuine.document));
    const text = `${JSON.stringify({ ...doc, root: other.fingerprint }, null, 2)}\n`;
    const result = await openWith({
      ...genuine,
      document: text,
      signature: await signKeyringDocument(text, other.armoredPrivate),
      rootKey: other.armoredPublic,
    });
    expect(result.refused).toBe(true);
    expect(result.submitEnabled).toBe(false);
    expect(result.uploads).toEqual([]);
  });
});
