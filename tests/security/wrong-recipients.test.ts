/**
 * Threat: a header or manifest that not every active editor can open — encrypted to an outsider's
 * key (a tampered page sending the session key to the adversary), missing one active editor (a
 * submission only one person can read, stranded if that key is retired), still encrypted to a
 * retired key, or with a wildcard (anonymous) recipient the server cannot check. The server
 * checks the PKESK key IDs against the signed keyring: exactly the active editors, each once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessage, encrypt, type PublicKey } from "openpgp";
import { encryptHeader, encryptManifest, newSessionKey } from "~/envelope/encrypt";
import { FORMAT_ID } from "~/envelope/format";
import { pgpConfig } from "~/envelope/pgp-config";
import { randomBytes, toHex } from "~/envelope/hex";
import { encryptionKeyId, makeEditorKey, writeSignedKeyring, type TestEditorKey } from "../support/keys";
import { buildSubmission, fetchRecipients, newSubmissionId, putPart } from "../support/submission";
import { expectApiError, expectNothingStored, withPortal } from "./helpers/fixture";
import { concatBytes, packetBytes, splitPackets } from "./helpers/packets";

let keysDir: string;
let alice: TestEditorKey;
let bruno: TestEditorKey;
let carla: TestEditorKey;
let outsider: TestEditorKey;

const portal = withPortal(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), "testigo-keys-"));
  [alice, bruno, carla, outsider] = await Promise.all([
    makeEditorKey("Alice"),
    makeEditorKey("Bruno"),
    makeEditorKey("Carla (retired)"),
    makeEditorKey("Outsider"),
  ]);
  await writeSignedKeyring(keysDir, {
    editors: [
      { key: alice, status: "active" },
      { key: bruno, status: "active" },
      { key: carla, status: "retired" },
    ],
  });
  return { env: { TESTIGO_KEYS_DIR: keysDir } };
});

afterAll(async () => {
  await rm(keysDir, { recursive: true, force: true });
});

let active: PublicKey[];

beforeAll(async () => {
  const fetched = await fetchRecipients(portal().witnessUrl);
  active = fetched.recipients;
  // The keyring the server serves is the one written above: two active editors, the retired one left out.
  expect(fetched.keyIds).toEqual(new Set([await encryptionKeyId(alice.publicKey), await encryptionKeyId(bruno.publicKey)]));
});

function header(id: string, recipients: readonly PublicKey[]): Promise<Uint8Array> {
  return encryptHeader({
    description: { format: FORMAT_ID, submission: id, file: 0, name: "acta.jpg", type: "image/jpeg", size: 10, paddedSize: 4096, chunkSize: 4096, chunks: 1, chunkKey: toHex(newSessionKey()) },
    sessionKey: newSessionKey(),
    recipients,
  });
}

function manifest(id: string, recipients: readonly PublicKey[]): Promise<Uint8Array> {
  return encryptManifest({
    manifest: { format: FORMAT_ID, submission: id, language: "es", report: { what: "x", where: "", when: "", who: "" }, files: [] },
    recipients,
  });
}

async function expectRecipientsRefused(recipients: readonly PublicKey[]): Promise<string[]> {
  const messages: string[] = [];
  for (const [name, make] of [["header-0", header], ["manifest", manifest]] as const) {
    const id = newSubmissionId();
    const error = await expectApiError(await putPart(portal().witnessUrl, id, name, await make(id, recipients)), 422, "unprocessable");
    messages.push(error.message);
    await expectNothingStored(portal(), id);
  }
  return messages;
}

describe("PKESK recipients must be exactly the active editors", () => {
  it("control: both active editors, in either order, are accepted", async () => {
    for (const recipients of [[alice.publicKey, bruno.publicKey], [bruno.publicKey, alice.publicKey]]) {
      const id = newSubmissionId();
      expect((await putPart(portal().witnessUrl, id, "header-0", await header(id, recipients))).status).toBe(201);
      expect((await putPart(portal().witnessUrl, id, "manifest", await manifest(id, recipients))).status).toBe(201);
    }
    // A whole submission built from the served keyring is accepted too.
    const sub = await buildSubmission({ recipients: active, files: [{ name: "a", type: "b", data: randomBytes(10) }] });
    for (const p of sub.parts) expect((await putPart(portal().witnessUrl, sub.id, p.name, p.bytes)).status).toBe(201);
  });

  it("a key that is not in the keyring is refused", async () => {
    const messages = await expectRecipientsRefused([outsider.publicKey]);
    for (const m of messages) expect(m).toContain(await encryptionKeyId(outsider.publicKey));
  });

  it("one active editor missing is refused, naming the missing key", async () => {
    const messages = await expectRecipientsRefused([alice.publicKey]);
    for (const m of messages) expect(m).toContain(await encryptionKeyId(bruno.publicKey));
    await expectRecipientsRefused([bruno.publicKey]);
  });

  it("an extra recipient next to the active editors is refused (outsider or retired key)", async () => {
    await expectRecipientsRefused([alice.publicKey, bruno.publicKey, outsider.publicKey]);
    await expectRecipientsRefused([alice.publicKey, bruno.publicKey, carla.publicKey]);
    await expectRecipientsRefused([carla.publicKey]);
  });

  it("a wildcard (anonymous recipient) key ID is refused", async () => {
    const id = newSubmissionId();
    const wildcard = await encrypt({
      message: await createMessage({ binary: randomBytes(64), format: "binary" }),
      encryptionKeys: active,
      wildcard: true,
      sessionKey: { data: newSessionKey(), algorithm: "aes256" },
      format: "binary",
      config: pgpConfig,
    });
    const pkesks = splitPackets(wildcard).slice(0, -1);
    expect(pkesks).toHaveLength(2);
    for (const p of pkesks) expect(wildcard.slice(p.bodyStart + 1, p.bodyStart + 9)).toEqual(new Uint8Array(8));
    await expectApiError(await putPart(portal().witnessUrl, id, "header-0", wildcard), 422, "unprocessable");
    await expectNothingStored(portal(), id);

    // One named PKESK and one zeroed by hand.
    const valid = await header(id, active);
    const edited = valid.slice();
    const second = splitPackets(edited)[1]!;
    edited.fill(0, second.bodyStart + 1, second.bodyStart + 9);
    await expectApiError(await putPart(portal().witnessUrl, id, "header-0", edited), 422, "unprocessable");
    await expectNothingStored(portal(), id);
  });

  it("a repeated PKESK in the place of the second editor is refused", async () => {
    const id = newSubmissionId();
    const valid = await header(id, active);
    const packets = splitPackets(valid);
    const first = packetBytes(valid, packets[0]!);
    const seipd = packetBytes(valid, packets[packets.length - 1]!);
    await expectApiError(await putPart(portal().witnessUrl, id, "header-0", concatBytes(first, first, seipd)), 422, "unprocessable");
    // Both PKESKs, plus one of them again.
    await expectApiError(await putPart(portal().witnessUrl, id, "header-0", concatBytes(valid.slice(0, packets[packets.length - 1]!.start), first, seipd)), 422, "unprocessable");
    await expectNothingStored(portal(), id);
  });
});
