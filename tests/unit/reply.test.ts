import { beforeAll, describe, expect, it } from "vitest";
import {
  LiteralDataPacket,
  SymEncryptedIntegrityProtectedDataPacket,
  createMessage,
  decrypt as decrypt_,
  decryptSessionKeys,
  encrypt as encrypt_,
  readMessage,
  sign as sign_,
  type PrivateKey,
  type PublicKey,
} from "openpgp";
import { createWitnessKey, readWitnessPublicKey, unlockWitnessKey } from "~/codename/witness-key";
import { MAX_REPLY_TEXT, REPLY_MIN_PADDED_SIZE, replyLiteralName } from "~/contact/format";
import { newSessionKey } from "~/envelope/encrypt";
import { decryptReply, decryptReplyWithSessionKey, encryptReply, replyRecipientKeyIds, signatureDay } from "~/contact/reply";
import { FIXED_PACKET_DATE, pgpConfig } from "~/envelope/pgp-config";
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
    const expected = { format: "testigo/1", kind: "reply", thread: THREAD, text: TEXT, signed: false, signedBy: null };
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

describe("signed replies (testigo reply --sign-key)", () => {
  const signed = (signingKey: PrivateKey, text = TEXT) =>
    encryptReply({ thread: THREAD, text, witnessKey: witnessPublic, editorKeys: editors.map((e) => e.publicKey), signingKey });
  const keyringKeys = () => editors.map((e) => e.publicKey);

  it("verifies against the keyring key that signed it; signedBy is its fingerprint", async () => {
    const signer = editors[1]!;
    const bytes = await signed(signer.privateKey);
    const opened = await decryptReply({ thread: THREAD, message: bytes, key: witnessPrivate, verificationKeys: keyringKeys() });
    expect(opened).toMatchObject({ text: TEXT, signed: true, signedBy: signer.fingerprint.toUpperCase() });
    // Still exactly the PKESKs the server demands, one SEIPDv1 packet: the server sees no difference.
    expect(await inspectKeyedMessage(bytes, replyRecipientKeyIds(witnessId, editorIds))).toEqual({ ok: true });
  });

  it("an unsigned reply opens with signedBy null", async () => {
    const opened = await decryptReply({ thread: THREAD, message: await encrypt(), key: witnessPrivate, verificationKeys: keyringKeys() });
    expect(opened).toMatchObject({ text: TEXT, signed: false, signedBy: null });
  });

  it("a reply signed by a key that is not among the verification keys is refused", async () => {
    const stranger = await makeEditorKey("Stranger");
    const bytes = await signed(stranger.privateKey);
    await expect(decryptReply({ thread: THREAD, message: bytes, key: witnessPrivate, verificationKeys: keyringKeys() })).rejects.toThrow(/signature/);
    // An empty list of keys is a list: a signed reply cannot be proved against it.
    await expect(decryptReply({ thread: THREAD, message: bytes, key: witnessPrivate, verificationKeys: [] })).rejects.toThrow(/signature/);
  });

  it("a tampered signature (text changed after signing) is refused", async () => {
    const signer = editors[0]!;
    const plaintext = (text: string) => new TextEncoder().encode(JSON.stringify({ format: "testigo/1", kind: "reply", thread: THREAD, text }));
    const signedMessage = await sign_({
      message: await createMessage({ binary: plaintext(TEXT), filename: replyLiteralName(THREAD), date: FIXED_PACKET_DATE, format: "binary" }),
      signingKeys: signer.privateKey,
      format: "object",
      config: pgpConfig,
    });
    // Swap the literal data for other words under the same signature packets.
    const forged = await createMessage({ binary: plaintext("Envíe su dirección a esta cuenta."), filename: replyLiteralName(THREAD), date: FIXED_PACKET_DATE, format: "binary" });
    const at = signedMessage.packets.findIndex((p) => p instanceof LiteralDataPacket);
    const replacement = forged.packets[0];
    if (at < 0 || !replacement) throw new Error("no literal data packet");
    signedMessage.packets[at] = replacement;
    const bytes = await encrypt_({ message: signedMessage, encryptionKeys: witnessPublic, sessionKey: { data: newSessionKey(), algorithm: "aes256" }, format: "binary", config: pgpConfig });
    await expect(decryptReply({ thread: THREAD, message: bytes, key: witnessPrivate, verificationKeys: keyringKeys() })).rejects.toThrow(/signature/);
  });

  it("without verification keys a signed reply opens but is reported as signed and unchecked (editor tools only)", async () => {
    const bytes = await signed(editors[0]!.privateKey);
    expect(await decryptReply({ thread: THREAD, message: bytes, key: editors[1]!.privateKey })).toMatchObject({ text: TEXT, signed: true, signedBy: null });
  });

  it("opens with its session key (keys rewrap) whether signed or not", async () => {
    const bytes = await signed(editors[0]!.privateKey);
    const message = await readMessage({ binaryMessage: bytes });
    const [sessionKey] = await decryptSessionKeys({ message, decryptionKeys: editors[0]!.privateKey });
    if (!sessionKey) throw new Error("no session key");
    const opened = await decryptReplyWithSessionKey({ thread: THREAD, message: bytes, sessionKey: sessionKey.data, verificationKeys: keyringKeys() });
    expect(opened.signedBy).toBe(editors[0]!.fingerprint.toUpperCase());
  });

  it("stamps the signature with the start of the UTC day (or the newest key time), the literal data with the fixed date", async () => {
    const signer = editors[0]!;
    const bytes = await signed(signer.privateKey);
    const message = await readMessage({ binaryMessage: bytes });
    const result = await decrypt_({ message, decryptionKeys: witnessPrivate, verificationKeys: signer.publicKey, format: "binary", config: pgpConfig });
    const signature = await result.signatures[0]!.signature;
    const created = signature.packets[0]!.created;
    const now = new Date();
    const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const expected = signatureDay([signer.privateKey, witnessPublic, ...editors.map((e) => e.publicKey)], now);
    expect(created?.getTime()).toBe(Math.floor(expected.getTime() / 1000) * 1000);
    expect(signatureDay([witnessPublic], now).getTime()).toBe(dayStart);
    const decryptedMessage = await (await readMessage({ binaryMessage: bytes })).decrypt([witnessPrivate]);
    expect(decryptedMessage.packets.findPacket(LiteralDataPacket.tag)).toMatchObject({ date: FIXED_PACKET_DATE });
  });
});
