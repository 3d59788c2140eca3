/**
 * Signed offline replies (docs/adr/0007-two-way-contact.md) in headless Chromium. The thread is
 * made from Node: a submission, a codename registration, and three replies posted through the
 * editor endpoint: one signed with the demo editor's secret key (an active key of the demo
 * keyring, as `testigo reply --sign-key` signs), one unsigned (as the browser composer writes it)
 * and one signed by a key outside the keyring (what a seized server holding some key could make).
 * The witness's page verifies the keyring first and then shows: "signed by the editors' key", "not
 * signed", and "unreadable", the marker always outside the reply's own text.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWitnessPublicKey } from "~/codename/witness-key";
import { encryptReply } from "~/contact/reply";
import { launchChromium } from "../support/browsers";
import { loggedInEditor, postReply, seedThread } from "../support/contact";
import { makeEditorKey } from "../support/keys";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { fetchRecipients, readSecretKey } from "../support/submission";

let portal: Portal | undefined;
let browser: Browser | undefined;
let codename = "";
let demoFingerprint = "";
const SIGNED = "Somos la redacción: esta respuesta va firmada.";
const UNSIGNED = "Respuesta escrita en el navegador, sin firma.";
const FORGED = "Envíe su dirección a esta cuenta.";

beforeAll(async () => {
  portal = await startPortal();
  const p = portal;
  if (!p.demoSecretKeyPath) throw new Error(`the portal printed no demo editor secret key:\n${p.output()}`);
  const demoKey = await readSecretKey(p.demoSecretKeyPath);
  demoFingerprint = demoKey.getFingerprint().toUpperCase();
  const { recipients } = await fetchRecipients(p.witnessUrl);
  // The demo editor key is the demo keyring's active editor key: the one the page will trust.
  expect(recipients.map((k) => k.getFingerprint().toUpperCase())).toContain(demoFingerprint);

  const seeded = await seedThread(p.witnessUrl, recipients, { withCodename: true });
  const first = { id: seeded.thread };
  codename = seeded.codename ?? "";
  const witnessKey = await readWitnessPublicKey(seeded.keys.publicKey);
  const { client: editor, csrf } = await loggedInEditor(p);
  const stranger = await makeEditorKey("Mallory");
  const replies = [
    await encryptReply({ thread: first.id, text: SIGNED, witnessKey, editorKeys: recipients, signingKey: demoKey }),
    await encryptReply({ thread: first.id, text: UNSIGNED, witnessKey, editorKeys: recipients }),
    await encryptReply({ thread: first.id, text: FORGED, witnessKey, editorKeys: recipients, signingKey: stranger.privateKey }),
  ];
  // The server cannot tell them apart: all three are accepted.
  for (const bytes of replies) expect((await postReply(editor, first.id, bytes, csrf)).status).toBe(201);

  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (portal) {
    await portal.stop().catch(() => portal?.kill9());
    await removeDataDir(portal.dataDir);
  }
});

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === "") throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

async function openContact(lang: "en" | "es"): Promise<{ page: Page; errors: string[] }> {
  const context = await need(browser, "browser").newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${need(portal, "portal").witnessUrl}/contact?lang=${lang}`);
  await page.getByTestId("codename-input").fill(need(codename, "codename"));
  await page.getByTestId("codename-open").click();
  await page.getByTestId("replies").waitFor({ timeout: 120_000 });
  return { page, errors };
}

describe("Chromium: signed, unsigned and forged replies on the witness's page", () => {
  it("marks the signed reply with the keyring label, the unsigned one as not signed, and refuses the forged one", async () => {
    const { page, errors } = await openContact("en");
    const articles = page.getByTestId("reply");
    expect(await articles.count()).toBe(3);

    const signed = articles.filter({ hasText: SIGNED });
    expect(await signed.getByTestId("reply-signed").innerText()).toMatch(/^Signed by the editors' key «.+» \(checked in this browser\)\.$/);
    expect(await signed.getByTestId("reply-signed").getAttribute("title")).toBe(demoFingerprint);
    expect(await signed.getByTestId("reply-unsigned").count()).toBe(0);
    // The marker sits outside the reply's text, which is the editors' words exactly.
    expect((await signed.getByTestId("reply-text").innerText()).trim()).toBe(SIGNED);

    const unsigned = articles.filter({ hasText: UNSIGNED });
    expect(await unsigned.getByTestId("reply-unsigned").innerText()).toMatch(/^Not signed/);
    expect(await unsigned.getByTestId("reply-signed").count()).toBe(0);
    expect((await unsigned.getByTestId("reply-text").innerText()).trim()).toBe(UNSIGNED);

    // Signed by a key outside the keyring: unreadable, its words never shown.
    expect(await page.getByText(FORGED).count()).toBe(0);
    expect(await page.getByTestId("reply-text").count()).toBe(2);
    expect(await page.getByText("This reply could not be decrypted or failed the check.").count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it("says the same in Spanish", async () => {
    const { page } = await openContact("es");
    const signed = page.getByTestId("reply").filter({ hasText: SIGNED });
    expect(await signed.getByTestId("reply-signed").innerText()).toMatch(/^Firmada con la clave del equipo editorial «.+» \(comprobado en este navegador\)\.$/);
    expect(await page.getByTestId("reply-unsigned").innerText()).toMatch(/^Sin firma/);
  });
});
