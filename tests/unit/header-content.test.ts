/**
 * `parts.header` commits to the header's final SEIPD packet only, so that rewrapping the PKESKs
 * (key rotation) keeps the witness's manifest valid while any change to the content is seen.
 */
import { createHash } from "node:crypto";
import { encryptSessionKey } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptHeader } from "~/envelope/decrypt";
import { encryptHeader, newSessionKey } from "~/envelope/encrypt";
import { FORMAT_ID, type FileDescription } from "~/envelope/format";
import { encryptedPacketOf, headerContentSha256 } from "~/envelope/header-content";
import { toHex } from "~/envelope/hex";
import { pgpConfig } from "~/envelope/pgp-config";
import { makeEditorKey, type TestEditorKey } from "../support/keys";
import { newSubmissionId } from "../support/submission";

let a: TestEditorKey;
let b: TestEditorKey;
beforeAll(async () => {
  [a, b] = await Promise.all([makeEditorKey("A"), makeEditorKey("B")]);
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("headerContentSha256", () => {
  it("hashes the SEIPD packet alone, and survives a rewrap of the PKESKs to another key", async () => {
    const sessionKey = newSessionKey();
    const id = newSubmissionId();
    const description: FileDescription = {
      format: FORMAT_ID, submission: id, file: 0, name: "acta.jpg", type: "image/jpeg",
      size: 10, paddedSize: 4096, chunkSize: 4096, chunks: 1, chunkKey: toHex(sessionKey),
    };
    const header = await encryptHeader({ description, sessionKey, recipients: [a.publicKey] });
    const content = encryptedPacketOf(header);
    if (!content.ok) throw new Error(content.reason);
    expect(content.bytes[0]! & 0x3f).toBe(18);
    expect(await headerContentSha256(header)).toBe(sha256(content.bytes));
    expect(await headerContentSha256(header)).not.toBe(sha256(header));

    const pkesks = await encryptSessionKey({ data: sessionKey, algorithm: "aes256", encryptionKeys: [b.publicKey], format: "binary", config: pgpConfig });
    const rewrapped = new Uint8Array([...pkesks, ...content.bytes]);
    expect(await headerContentSha256(rewrapped)).toBe(await headerContentSha256(header));
    const opened = await decryptHeader({ bytes: rewrapped, keys: [b.privateKey], submissionId: id, file: 0 });
    expect(opened.description).toEqual(description);

    const altered = new Uint8Array(rewrapped);
    altered[altered.length - 1]! ^= 1;
    expect(await headerContentSha256(altered)).not.toBe(await headerContentSha256(header));
  });

  it("refuses a stream that does not end in an encrypted-data packet, or is not OpenPGP at all", async () => {
    // An old-format literal packet (tag 11, one-byte length) alone.
    expect(encryptedPacketOf(new Uint8Array([0xac, 0x02, 0x62, 0x00]))).toEqual({ ok: false, reason: expect.stringContaining("tag 11") });
    expect(encryptedPacketOf(new TextEncoder().encode("plain text")).ok).toBe(false);
    await expect(headerContentSha256(new Uint8Array(0))).rejects.toThrow(/not a header/);
  });
});
