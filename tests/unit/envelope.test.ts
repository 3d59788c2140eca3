import { describe, expect, it, beforeAll } from "vitest";
import { readMessage } from "openpgp";
import { encryptChunk, encryptHeader, encryptManifest, newSessionKey } from "~/envelope/encrypt";
import { decryptChunk, decryptHeader, decryptManifest } from "~/envelope/decrypt";
import { inspectChunk, inspectKeyedMessage } from "~/envelope/inspect";
import { FORMAT_ID, type Manifest } from "~/envelope/format";
import { toHex } from "~/envelope/hex";
import { makeEditorKey, type TestEditorKey } from "../support/keys";

const SUB = "0123456789abcdef0123456789abcdef";
let editor: TestEditorKey;
let keyIds: Set<string>;

beforeAll(async () => {
  editor = await makeEditorKey();
  keyIds = new Set([(await editor.publicKey.getEncryptionKey()).getKeyID().toHex()]);
});

describe("envelope parts", () => {
  it("a chunk is one SEIPDv1 packet that decrypts only in its own place", async () => {
    const sessionKey = newSessionKey();
    const plaintext = new TextEncoder().encode("tally sheet 42");
    const bytes = await encryptChunk({ submissionId: SUB, file: 0, chunk: 3, plaintext, sessionKey });
    const message = await readMessage({ binaryMessage: bytes });
    expect(message.packets.length).toBe(1);
    expect(await inspectChunk(bytes)).toEqual({ ok: true });
    expect(await decryptChunk({ bytes, sessionKey, submissionId: SUB, file: 0, chunk: 3 })).toEqual(plaintext);
    await expect(decryptChunk({ bytes, sessionKey, submissionId: SUB, file: 0, chunk: 4 })).rejects.toThrow(/bound to/);
  });

  it("a header names the editor subkey and carries the description", async () => {
    const sessionKey = newSessionKey();
    const description = {
      format: FORMAT_ID, submission: SUB, file: 0, name: "acta.jpg", type: "image/jpeg",
      size: 10, paddedSize: 4096, chunkSize: 2097152, chunks: 1, chunkKey: toHex(sessionKey),
    } as const;
    const bytes = await encryptHeader({ description, sessionKey, recipients: [editor.publicKey] });
    expect(await inspectKeyedMessage(bytes, keyIds)).toEqual({ ok: true });
    expect(await inspectChunk(bytes)).toMatchObject({ ok: false });
    const opened = await decryptHeader({ bytes, keys: [editor.privateKey], submissionId: SUB, file: 0 });
    expect(opened.sessionKey).toEqual(sessionKey);
    expect(opened.chunkKey).toEqual(sessionKey);
    expect(opened.description).toEqual(description);
  });

  it("a manifest round-trips", async () => {
    const manifest: Manifest = {
      format: FORMAT_ID, submission: SUB, language: "es",
      report: { what: "detenciones", where: "", when: "", who: "" }, files: [],
    };
    const bytes = await encryptManifest({ manifest, recipients: [editor.publicKey] });
    expect(await inspectKeyedMessage(bytes, keyIds)).toEqual({ ok: true });
    expect(await decryptManifest({ bytes, keys: [editor.privateKey], submissionId: SUB })).toEqual(manifest);
  });
});

describe("header padding", () => {
  it("hides the length of the file name: short and long names give the same header size", async () => {
    const base = {
      format: FORMAT_ID, submission: SUB, file: 0, type: "image/jpeg",
      size: 10, paddedSize: 4096, chunkSize: 2097152, chunks: 1, chunkKey: "ab".repeat(32),
    } as const;
    const sizes = new Set<number>();
    for (const name of ["a.jpg", "acta-mesa-12-escuela-bolivar.jpg", "ñ".repeat(500)]) {
      sizes.add((await encryptHeader({ description: { ...base, name }, sessionKey: newSessionKey(), recipients: [editor.publicKey] })).length);
    }
    expect(sizes.size).toBe(1);
    const huge = await encryptHeader({ description: { ...base, name: "ñ".repeat(1024) }, sessionKey: newSessionKey(), recipients: [editor.publicKey] });
    const huge2 = await encryptHeader({ description: { ...base, name: "ñ".repeat(1000) }, sessionKey: newSessionKey(), recipients: [editor.publicKey] });
    expect(huge.length).toBe(huge2.length);
  });
});
