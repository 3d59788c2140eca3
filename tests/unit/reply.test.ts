import { beforeAll, describe, expect, it } from "vitest";
import { SymEncryptedIntegrityProtectedDataPacket, createMessage, encrypt as encrypt_, readMessage, type PrivateKey, type PublicKey } from "openpgp";
import { createWitnessKey, readWitnessPublicKey, unlockWitnessKey } from "~/codename/witness-key";
import { MAX_REPLY_TEXT, REPLY_MIN_PADDED_SIZE, replyLiteralName } from "~/contact/format";
import { newSessionKey } from "~/envelope/encrypt";
import { decryptReply, encryptReply, replyRecipientKeyIds } from "~/contact/reply";
import { inspectKeyedMessage } from "~/envelope/inspect";
import { encryptionKeyId, makeEditorKey, type TestEditorKey } from "../support/keys";

const THREAD = "0123456789abcdef0123456789abcdef";
const OTHER = "fedcba9876543210fedcba9876543210";
const PASSPHRASE = "ab".repeat(32);
const TEXT = "¿Está a salvo? Necesitamos saber en qué mesa tomó la foto del acta.";

let witnessPublic: PublicKey;
let witnessPrivate: PrivateKey;
let editors: TestEditorKey[];
let editorIds: Set<string>;
let witnessId: string;

beforeAll(async () => {
  const pair = await createWitnessKey(PASSPHRASE);
  witnessPublic = await readWitnessPublicKey(pair.publicKey);
  witnessPrivate = await unlockWitnessKey(pair.secretKey, PASSPHRASE);
  editors = [await makeEditorKey("Editor A"), await makeEditorKey("Editor B")];
  editorIds = new Set(await Promise.all(editors.map((e) => encryptionKeyId(e.publicKey))));
  witnessId = await encryptionKeyId(witnessPublic);
});

function encrypt(text = TEXT, editorKeys: readonly PublicKey[] = editors.map((e) => e.publicKey)) {
  return encryptReply({ thread: THREAD, text, witnessKey: witnessPublic, editorKeys });
}

describe("replies", () => {
  it("the witness and every editor can read it", async () => {
    const bytes = await encrypt();
    const expected = { format: "testigo/1", kind: "reply", thread: THREAD, text: TEXT };
    expect(await decryptReply({ thread: THREAD, message: bytes, key: witnessPrivate })).toEqual(expected);
    for (const editor of editors) {
      expect(await decryptReply({ thread: THREAD, message: bytes, key: editor.privateKey })).toEqual(expected);
    }
  });

  it("has exactly the PKESKs the server demands, then one SEIPDv1 packet", async () => {
    const bytes = await encrypt();
    const expected = replyRecipientKeyIds(witnessId, editorIds);
    expect(expected.size).toBe(3);
    expect(await inspectKeyedMessage(bytes, expected)).toEqual({ ok: true });
    const message = await readMessage({ binaryMessage: bytes });
    const seipd = message.packets[message.packets.length - 1];
    expect(seipd).toBeInstanceOf(SymEncryptedIntegrityProtectedDataPacket);
    expect(seipd instanceof SymEncryptedIntegrityProtectedDataPacket && seipd.version).toBe(1);
  });

  it("the server refuses it when one editor key is missing, or the witness's", async () => {
    const [first] = editors;
    const short = await encrypt(TEXT, [first!.publicKey]);
    expect(await inspectKeyedMessage(short, replyRecipientKeyIds(witnessId, editorIds))).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
    const full = await encrypt();
    expect(await inspectKeyedMessage(full, editorIds)).toMatchObject({ ok: false });
  });

  it("is bound to its thread", async () => {
    const bytes = await encrypt();
    await expect(decryptReply({ thread: OTHER, message: bytes, key: witnessPrivate })).rejects.toThrow(/bound to/);
  });

  it("refuses a plaintext that names another thread or is not a reply, even under the right name", async () => {
    const forge = async (body: unknown) =>
      encrypt_({
        message: await createMessage({ binary: new TextEncoder().encode(JSON.stringify(body)), filename: replyLiteralName(THREAD), format: "binary" }),
        encryptionKeys: witnessPublic,
        sessionKey: { data: newSessionKey(), algorithm: "aes256" },
        format: "binary",
      });
    const other = await forge({ format: "testigo/1", kind: "reply", thread: OTHER, text: "hola" });
    await expect(decryptReply({ thread: THREAD, message: other, key: witnessPrivate })).rejects.toThrow(/another thread/);
    const extra = await forge({ format: "testigo/1", kind: "reply", thread: THREAD, text: "hola", from: "server" });
    await expect(decryptReply({ thread: THREAD, message: extra, key: witnessPrivate })).rejects.toThrow(/wrong shape/);
  });

  it("pads: a one-word and a long reply have the same size up to the floor", async () => {
    const a = await encrypt("¿Bien?");
    const b = await encrypt("x".repeat(REPLY_MIN_PADDED_SIZE - 200));
    expect(a.length).toBe(b.length);
    expect(a.length).toBeGreaterThan(REPLY_MIN_PADDED_SIZE);
  });

  it("refuses empty or oversized text and a reply without editor keys", async () => {
    await expect(encrypt("")).rejects.toThrow(/empty/);
    await expect(encrypt("x".repeat(MAX_REPLY_TEXT + 1))).rejects.toThrow(/longer/);
    await expect(encrypt(TEXT, [])).rejects.toThrow(/no editor keys/);
    expect((await encrypt("x".repeat(MAX_REPLY_TEXT))).length).toBeGreaterThan(MAX_REPLY_TEXT);
  });

  it("a key that is not a recipient cannot read it, with a clear error", async () => {
    const stranger = await makeEditorKey("Stranger");
    await expect(decryptReply({ thread: THREAD, message: await encrypt(), key: stranger.privateKey })).rejects.toThrow(/could not be decrypted/);
  });
});
