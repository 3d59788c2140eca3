/**
 * Threat: the server receives (and keeps) plaintext — a buggy or tampered client, a no-JavaScript
 * form fallback, a "helpful" armored upload, a signed-but-unencrypted message. Promise 1: every
 * such body is refused with a 4xx and nothing is stored, for every kind of part.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { deflateSync } from "node:zlib";
import { createMessage, sign, encrypt, type PrivateKey, type PublicKey } from "openpgp";
import { encryptChunk, newSessionKey } from "~/envelope/encrypt";
import { pgpConfig } from "~/envelope/pgp-config";
import { randomBytes } from "~/envelope/hex";
import { makeEditorKey } from "../support/keys";
import { buildSubmission, fetchRecipients, newSubmissionId, putPart, type BuiltSubmission } from "../support/submission";
import { rawRequest } from "../support/portal";
import { expectApiError, expectNothingStored, queryDb, withPortal } from "./helpers/fixture";
import { TAG, concatBytes, utf8, writePacket } from "./helpers/packets";

const portal = withPortal();
let recipients: PublicKey[];
let signer: PrivateKey;
let valid: BuiltSubmission;

const REPORT = "Detuvieron a tres personas frente a la escuela Simón Bolívar, mesa 12, a las 18:40.";
const PART_NAMES = ["header-0", "chunk-0-0", "manifest"] as const;

beforeAll(async () => {
  recipients = (await fetchRecipients(portal().witnessUrl)).recipients;
  signer = (await makeEditorKey("Witness signing key")).privateKey;
  valid = await buildSubmission({ recipients, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(100) }] });
});

/** Every part name refuses the body with 422, and nothing about the submission is stored. */
async function expectRefusedEverywhere(body: Uint8Array, status = 422): Promise<void> {
  for (const name of PART_NAMES) {
    const id = newSubmissionId();
    await expectApiError(await putPart(portal().witnessUrl, id, name, body), status);
    await expectNothingStored(portal(), id);
  }
}

describe("plaintext and unencrypted OpenPGP are refused with nothing stored", () => {
  it("plain text, JSON, and Spanish text that starts with a high-bit byte", async () => {
    await expectRefusedEverywhere(utf8(REPORT));
    await expectRefusedEverywhere(utf8(JSON.stringify({ what: REPORT, where: "Maracaibo", who: "" })));
    // "Ñ" is 0xC3 0x91 in UTF-8: bit 7 set, so it looks like a new-format packet header (tag 3).
    await expectRefusedEverywhere(utf8(`Ñandú: ${REPORT}`));
    await expectRefusedEverywhere(utf8("É"));
  });

  it("raw file bytes (a JPEG) and an empty body", async () => {
    const jpeg = concatBytes(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), randomBytes(4000));
    await expectRefusedEverywhere(jpeg);
    await expectRefusedEverywhere(new Uint8Array(0));
  });

  it("an unencrypted OpenPGP literal-data message", async () => {
    const message = await createMessage({ binary: utf8(REPORT), format: "binary" });
    await expectRefusedEverywhere(message.write());
    // The same literal packet written by hand, old and new header formats.
    await expectRefusedEverywhere(writePacket(TAG.LITERAL, concatBytes(new Uint8Array([0x62, 0]), new Uint8Array(4), utf8(REPORT))));
  });

  it("a signed but not encrypted message", async () => {
    const message = await createMessage({ binary: utf8(REPORT), format: "binary" });
    const signed = await sign({ message, signingKeys: signer, format: "binary", config: pgpConfig });
    await expectRefusedEverywhere(signed);
    const cleartext = await sign({ message: await createMessage({ text: REPORT }), signingKeys: signer, format: "binary", config: pgpConfig });
    await expectRefusedEverywhere(cleartext);
  });

  it("a compressed (not encrypted) literal message", async () => {
    const literal = (await createMessage({ binary: utf8(REPORT.repeat(20)), format: "binary" })).write();
    // Compressed-data packets (tag 8): ZLIB (2) and "uncompressed" (0), the latter readable by eye.
    await expectRefusedEverywhere(writePacket(TAG.COMPRESSED, concatBytes(new Uint8Array([2]), deflateSync(literal))));
    await expectRefusedEverywhere(writePacket(TAG.COMPRESSED, concatBytes(new Uint8Array([0]), literal)));
  });

  it("a message encrypted only to a passphrase (SKESK), whose key an observer may guess", async () => {
    const message = await createMessage({ binary: utf8(REPORT), format: "binary" });
    const bytes = await encrypt({ message, passwords: ["testigo"], format: "binary", config: pgpConfig });
    await expectRefusedEverywhere(bytes);
  });

  it("armored ciphertext instead of binary", async () => {
    const header = valid.parts.find((p) => p.name === "header-0")!;
    const armoredChunk = await encrypt({
      message: await createMessage({ binary: randomBytes(64), format: "binary" }),
      sessionKey: { data: newSessionKey(), algorithm: "aes256" },
      format: "armored",
      config: pgpConfig,
    });
    const armoredHeader = await encrypt({
      message: await createMessage({ binary: randomBytes(64), format: "binary" }),
      encryptionKeys: recipients,
      sessionKey: { data: newSessionKey(), algorithm: "aes256" },
      format: "armored",
      config: pgpConfig,
    });
    expect(armoredChunk).toMatch(/^-----BEGIN PGP MESSAGE-----/);
    await expectRefusedEverywhere(utf8(armoredChunk));
    await expectRefusedEverywhere(utf8(armoredHeader));
    // Base64 of a valid part (what a naive client might send) is refused too.
    await expectRefusedEverywhere(utf8(Buffer.from(header.bytes).toString("base64")));
  });

  it("a valid chunk in the place of a header or manifest, and a header in the place of a chunk", async () => {
    const chunk = await encryptChunk({ submissionId: valid.id, file: 0, chunk: 0, plaintext: randomBytes(100), sessionKey: newSessionKey() });
    const header = valid.parts.find((p) => p.name === "header-0")!.bytes;
    for (const [name, body] of [["header-0", chunk], ["manifest", chunk], ["chunk-0-0", header]] as const) {
      const id = newSubmissionId();
      await expectApiError(await putPart(portal().witnessUrl, id, name, body), 422, "unprocessable");
      await expectNothingStored(portal(), id);
    }
  });
});

describe("no plaintext fallback without JavaScript", () => {
  it("form posts to the API are refused before the body is read (415), nothing stored", async () => {
    const id = newSubmissionId();
    const form = new FormData();
    form.set("what", REPORT);
    form.set("file", new Blob([new Uint8Array(randomBytes(100))], { type: "image/jpeg" }), "acta.jpg");
    const url = `${portal().witnessUrl}/api/v1/submissions/${id}/parts/chunk-0-0`;
    await expectApiError(await fetch(url, { method: "PUT", body: form }), 415, "unsupported_media_type");
    await expectApiError(await fetch(url, { method: "PUT", body: new URLSearchParams({ what: REPORT }) }), 415, "unsupported_media_type");
    await expectNothingStored(portal(), id);
  });

  it("form posts to witness pages, same-site or cross-site, are refused (4xx) and leave nothing in the database", async () => {
    const before = queryDb(portal().dataDir, "SELECT count(*) AS n FROM submissions");
    for (const page of ["/", "/submit", "/enviar", "/es", "/?lang=en"]) {
      for (const origin of [undefined, portal().witnessUrl, "http://evil.example", "null"]) {
        const res = await rawRequest(portal().witnessUrl, {
          method: "POST",
          path: page,
          headers: { "Content-Type": "application/x-www-form-urlencoded", ...(origin ? { Origin: origin } : {}) },
          body: utf8(new URLSearchParams({ what: REPORT, where: "Maracaibo" }).toString()),
        });
        const what = `POST ${page} (Origin: ${origin ?? "none"}): ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.status, what).toBeLessThan(500);
        expect(res.text).not.toContain(REPORT);
      }
    }
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM submissions")).toEqual(before);
  });
});
