/**
 * Threat: a part that is "mostly" the expected shape carries something else — a downgrade to
 * SEIPDv2/AEAD (unreadable with GnuPG 2.2, so an editor could not read it), a legacy SED packet
 * without integrity protection, or extra packets before, between or after the encrypted packet
 * that may carry plaintext (a literal packet, or packets OpenPGP.js skips silently: marker, trust,
 * padding, unknown non-critical tags). Every one must be refused (422) with nothing stored.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createMessage, encrypt, type PublicKey } from "openpgp";
import { encryptChunk, newSessionKey } from "~/envelope/encrypt";
import { pgpConfig } from "~/envelope/pgp-config";
import { randomBytes } from "~/envelope/hex";
import { buildSubmission, fetchRecipients, newSubmissionId, putPart, type BuiltSubmission } from "../support/submission";
import { expectApiError, expectNothingStored, withPortal } from "./helpers/fixture";
import { TAG, concatBytes, packetBytes, splitPackets, utf8, writePacket } from "./helpers/packets";

const portal = withPortal();
let recipients: PublicKey[];
let sub: BuiltSubmission;
let header: Uint8Array;
let chunk: Uint8Array;
let manifest: Uint8Array;

const SECRET = utf8("Hola: este texto viaja en claro junto al paquete cifrado");

beforeAll(async () => {
  recipients = (await fetchRecipients(portal().witnessUrl)).recipients;
  sub = await buildSubmission({ recipients, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(100) }] });
  const get = (name: string) => sub.parts.find((p) => p.name === name)!.bytes;
  [header, chunk, manifest] = [get("header-0"), get("chunk-0-0"), get("manifest")];
});

async function expectRefused(name: string, body: Uint8Array): Promise<void> {
  const id = newSubmissionId();
  await expectApiError(await putPart(portal().witnessUrl, id, name, body), 422, "unprocessable");
  await expectNothingStored(portal(), id);
}

describe("control", () => {
  it("the untouched parts are accepted (so the refusals below are about the edits)", async () => {
    for (const p of sub.parts) expect((await putPart(portal().witnessUrl, sub.id, p.name, p.bytes)).status).toBe(201);
  });
});

describe("downgrades and other encryption packets", () => {
  it("SEIPDv2 (AEAD) chunks and headers are refused", async () => {
    const message = await createMessage({ binary: randomBytes(256), format: "binary" });
    const aeadChunk = await encrypt({
      message,
      sessionKey: { data: newSessionKey(), algorithm: "aes256", aeadAlgorithm: "ocb" },
      format: "binary",
      config: { ...pgpConfig, aeadProtect: true },
    });
    expect(splitPackets(aeadChunk).map((p) => p.tag)).toEqual([TAG.SEIPD]);
    expect(aeadChunk[splitPackets(aeadChunk)[0]!.bodyStart]).toBe(2);
    await expectRefused("chunk-0-0", aeadChunk);

    const aeadHeader = await encrypt({
      message: await createMessage({ binary: randomBytes(256), format: "binary" }),
      encryptionKeys: recipients,
      sessionKey: { data: newSessionKey(), algorithm: "aes256", aeadAlgorithm: "gcm" },
      format: "binary",
      config: { ...pgpConfig, aeadProtect: true },
    });
    expect(splitPackets(aeadHeader).map((p) => p.tag)).toEqual([TAG.PKESK, TAG.SEIPD]);
    await expectRefused("header-0", aeadHeader);
    await expectRefused("manifest", aeadHeader);
  });

  it("a version byte edited from 1 to 2 is refused", async () => {
    const edited = chunk.slice();
    edited[splitPackets(edited)[0]!.bodyStart] = 2;
    await expectRefused("chunk-0-0", edited);
  });

  it("a legacy SED packet (tag 9, no integrity protection) is refused", async () => {
    const [seipd] = splitPackets(chunk);
    // The SEIPD body without its version byte, relabelled as SED.
    const sed = writePacket(TAG.SED, chunk.slice(seipd!.bodyStart + 1, seipd!.end));
    await expectRefused("chunk-0-0", sed);
    const headerPackets = splitPackets(header);
    const pkesks = headerPackets.slice(0, -1).map((p) => packetBytes(header, p));
    await expectRefused("header-0", concatBytes(...pkesks, sed));
  });
});

describe("extra packets around the encrypted packet", () => {
  const extras: [string, () => Uint8Array][] = [
    ["a literal-data packet", () => writePacket(TAG.LITERAL, concatBytes(new Uint8Array([0x62, 0, 0, 0, 0, 0]), SECRET))],
    ["a second SEIPD packet", () => chunk],
    ["a marker packet", () => writePacket(TAG.MARKER, utf8("PGP"))],
    ["a padding packet carrying plaintext", () => writePacket(TAG.PADDING, SECRET)],
    ["a trust packet carrying plaintext", () => writePacket(TAG.TRUST, SECRET)],
    ["an unknown non-critical packet (tag 60) carrying plaintext", () => writePacket(60, SECRET)],
    ["an unknown critical packet (tag 39)", () => writePacket(39, SECRET)],
  ];

  for (const [label, extra] of extras) {
    it(`a chunk followed by ${label} is refused`, async () => {
      await expectRefused("chunk-0-0", concatBytes(chunk, extra()));
    });
    it(`a chunk preceded by ${label} is refused`, async () => {
      await expectRefused("chunk-0-0", concatBytes(extra(), chunk));
    });
    it(`a header or manifest with ${label} after the SEIPD or between the PKESKs and the SEIPD is refused`, async () => {
      for (const [name, bytes] of [["header-0", header], ["manifest", manifest]] as const) {
        const packets = splitPackets(bytes);
        const seipd = packets[packets.length - 1]!;
        await expectRefused(name, concatBytes(bytes, extra()));
        await expectRefused(name, concatBytes(bytes.slice(0, seipd.start), extra(), bytes.slice(seipd.start)));
        await expectRefused(name, concatBytes(extra(), bytes));
      }
    });
  }

  it("trailing bytes that are not a packet are refused", async () => {
    await expectRefused("chunk-0-0", concatBytes(chunk, SECRET));
    await expectRefused("chunk-0-0", concatBytes(chunk, new Uint8Array([0])));
    await expectRefused("header-0", concatBytes(header, SECRET));
  });

  it("a chunk carrying a PKESK (a whole header in the place of a lone SEIPD) is refused", async () => {
    const alone = await encryptChunk({ submissionId: sub.id, file: 0, chunk: 0, plaintext: randomBytes(100), sessionKey: newSessionKey() });
    const pkesk = packetBytes(header, splitPackets(header)[0]!);
    await expectRefused("chunk-0-0", concatBytes(pkesk, alone));
  });
});

describe("truncated parts", () => {
  it("every kind of part cut short is refused", async () => {
    for (const [name, bytes] of [["header-0", header], ["chunk-0-0", chunk], ["manifest", manifest]] as const) {
      for (const keep of [1, 2, 3, 12, Math.floor(bytes.length / 2), bytes.length - 1]) {
        await expectRefused(name, bytes.slice(0, keep));
      }
    }
  });

  it("a header with only its PKESKs (the SEIPD dropped) is refused", async () => {
    const packets = splitPackets(header);
    await expectRefused("header-0", header.slice(0, packets[packets.length - 1]!.start));
  });
});
