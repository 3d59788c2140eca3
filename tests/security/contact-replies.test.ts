/**
 * Threat: the reply upload as a way to reach a witness with something other than what the
 * organisation's editors can all read, or to store plaintext, or to be driven by another site.
 * The server takes only OpenPGP ciphertext to exactly the witness's encryption subkey and every
 * active editor encryption subkey; anything else is refused with nothing stored. The upload needs
 * the same origin, a session and the session's CSRF token; the witness listener has no such route.
 */
import { createMessage, encrypt, generateKey, readKey, type PublicKey } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { readWitnessPublicKey } from "~/codename/witness-key";
import { MAX_REPLY_BYTES } from "~/contact/format";
import { newSessionKey } from "~/envelope/encrypt";
import { randomBytes } from "~/envelope/hex";
import { pgpConfig } from "~/envelope/pgp-config";
import { rawRequest, type RawResponse } from "../support/portal";
import { FAST_CONTACT_ENV, encryptTestReply, makeWitnessKeys, newLogin, postReply, register, registration, type WitnessKeys } from "../support/contact";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";
import { EditorClient, addEditor } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal({ env: FAST_CONTACT_ENV });
let editors: PublicKey[];
let witness: PublicKey;
let keys: WitnessKeys;
let thread: string;
let bob: EditorClient;
let csrf: string;

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  editors = (await fetchRecipients(witnessUrl)).recipients;
  keys = await makeWitnessKeys();
  witness = await readWitnessPublicKey(keys.publicKey);
  const sub = await buildSubmission({ recipients: editors, files: [{ name: "a", type: "image/jpeg", data: randomBytes(50) }] });
  await uploadAndSeal(witnessUrl, sub);
  thread = sub.id;
  expect((await register(witnessUrl, thread, registration(newLogin(), keys))).status).toBe(201);
  const { secret } = await addEditor(dataDir, "bob");
  bob = new EditorClient(editorUrl);
  csrf = await bob.loginOk("bob", secret);
});

/** A SEIPDv1 message to exactly these keys, as encryptReply makes it but with any recipients. */
async function encryptTo(recipients: PublicKey[]): Promise<Uint8Array> {
  return encrypt({
    message: await createMessage({ binary: new Uint8Array(4096).fill(0x20), format: "binary" }),
    encryptionKeys: recipients,
    sessionKey: { data: newSessionKey(), algorithm: "aes256" },
    format: "binary",
    config: pgpConfig,
  });
}

async function strangerKey(): Promise<PublicKey> {
  const { publicKey } = await generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name: "Stranger" }], format: "armored" });
  return readKey({ armoredKey: publicKey });
}

function expectRefused(res: RawResponse, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers["content-type"] ?? "").toMatch(/^application\/json/);
  expect(JSON.parse(res.text)).toMatchObject({ error: { code } });
}

const storedReplies = () => queryDb(portal().dataDir, "SELECT count(*) AS n FROM replies");

describe("a reply of the wrong shape", () => {
  it("is refused (422) without an editor key, without the witness key, with an extra key, or as plaintext", async () => {
    const cases: Record<string, Uint8Array> = {
      "witness only": await encryptTo([witness]),
      "editors only": await encryptTo(editors),
      "an extra recipient": await encryptTo([witness, ...editors, await strangerKey()]),
      "a stranger instead of an editor": await encryptTo([witness, await strangerKey()]),
      plaintext: new TextEncoder().encode(JSON.stringify({ format: "testigo/1", kind: "reply", thread, text: "hola" })),
      "random bytes": randomBytes(5000),
      empty: new Uint8Array(0),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const res = await postReply(bob, thread, bytes, csrf);
      expect(res.status, `${name}: ${res.text}`).toBe(422);
      expectRefused(res, 422, "unprocessable");
    }
    expect(storedReplies()).toEqual([{ n: 0 }]);
  });

  it("is refused (413) when larger than a reply can be", async () => {
    expectRefused(await postReply(bob, thread, randomBytes(MAX_REPLY_BYTES + 1), csrf), 413, "payload_too_large");
    // Declared too large, refused before the body is read.
    expectRefused(await postReply(bob, thread, randomBytes(1000), csrf, { "Content-Length": String(MAX_REPLY_BYTES + 1) }), 413, "payload_too_large");
    expect(storedReplies()).toEqual([{ n: 0 }]);
  });

  it("is refused (415) as anything but application/octet-stream", async () => {
    const good = await encryptTestReply({ thread, witnessPublicKey: keys.publicKey, editorKeys: editors });
    expectRefused(await postReply(bob, thread, good, csrf, { "Content-Type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type");
    expect(storedReplies()).toEqual([{ n: 0 }]);
  });
});

describe("the reply upload's own checks", () => {
  let good: Uint8Array;
  beforeAll(async () => {
    good = await encryptTestReply({ thread, witnessPublicKey: keys.publicKey, editorKeys: editors });
  });

  it("403 without the CSRF header, with a wrong one, or from another origin; 401 without a session", async () => {
    expectRefused(await postReply(bob, thread, good, csrf, { "X-CSRF-Token": null }), 403, "forbidden");
    expectRefused(await postReply(bob, thread, good, csrf, { "X-CSRF-Token": "x".repeat(43) }), 403, "forbidden");
    expectRefused(await postReply(bob, thread, good, csrf, { Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" }), 403, "forbidden");
    expectRefused(await postReply(bob, thread, good, csrf, { Cookie: null }), 401, "unauthorized");
    expect(storedReplies()).toEqual([{ n: 0 }]);
  });

  it("404 for a thread that does not exist; then the right request is stored", async () => {
    expectRefused(await postReply(bob, "0".repeat(32), good, csrf), 404, "not_found");
    expect((await postReply(bob, thread, good, csrf)).status).toBe(201);
    expect(storedReplies()).toEqual([{ n: 1 }]);
  });

  it("other POSTs are still held to the form guard", async () => {
    const big = await bob.post("/editor/logout", { csrf, pad: "x".repeat(20_000) });
    expect(big.status).toBe(413);
    const elsewhere = await rawRequest(portal().editorUrl, {
      method: "POST",
      path: `/editor/submissions/${thread}/replies/extra`,
      headers: { Origin: new URL(portal().editorUrl).origin, "Sec-Fetch-Site": "same-origin", Cookie: bob.cookieHeader(), "Content-Type": "application/octet-stream" },
      body: good,
    });
    expect(elsewhere.status).toBe(405);
  });
});

describe("the witness listener", () => {
  it("has no reply route (nor any /editor path)", async () => {
    const { witnessUrl } = portal();
    const good = await encryptTestReply({ thread, witnessPublicKey: keys.publicKey, editorKeys: editors });
    const post = await rawRequest(witnessUrl, {
      method: "POST",
      path: `/editor/submissions/${thread}/replies`,
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": csrf, Cookie: bob.cookieHeader() },
      body: good,
    });
    expect(post.status).toBe(404);
    expect((await rawRequest(witnessUrl, { method: "GET", path: `/editor/submissions/${thread}` })).status).toBe(404);
    expect(storedReplies()).toEqual([{ n: 1 }]);
  });
});
