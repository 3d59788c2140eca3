/**
 * `testigo reply` (docs/adr/0007-two-way-contact.md), offline under the network guard: from a
 * thread bundle and a signed keys folder it writes a reply the witness decrypts with their key,
 * encrypted to exactly the witness and every active editor key (what the portal demands), never
 * to a retired one. It refuses a thread whose witness chose no codename, an empty message, and a
 * keyring that does not verify or is signed by another root than the pinned one. With --sign-key
 * the reply is signed by an ACTIVE keyring key (which the witness's page verifies); a retired or
 * unknown key is refused before anything is written.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { encryptKey, type PrivateKey, type PublicKey } from "openpgp";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FORMAT } from "~/bundle/index-schema";
import { createWitnessKey, readWitnessPublicKey, unlockWitnessKey } from "~/codename/witness-key";
import { THREAD_FORMAT, type ThreadIndex } from "~/contact/format";
import { decryptReply } from "~/contact/reply";
import { inspectKeyedMessage } from "~/envelope/inspect";
import { KeyringDocumentSchema } from "~/keyring/document";
import { randomBytes } from "~/envelope/hex";
import { CLI, NO_NET, runTestigo } from "../support/cli";
import { ROOT } from "../support/portal";
import { encryptionKeyId, makeEditorKey, writeSignedKeyring, type TestEditorKey, type WrittenKeyring } from "../support/keys";
import { buildSubmission, type BuiltSubmission } from "../support/submission";

const PASSPHRASE = "what the codename derives";
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

let work: string;
let active: TestEditorKey[];
let retired: TestEditorKey;
let keyring: WrittenKeyring;
let root: BuiltSubmission;
let witnessPublic: PublicKey;
let witnessPrivate: PrivateKey;
let withKey: string;
let withoutKey: string;

/** A thread bundle in the layout of server/export/thread-bundle.ts (no replies yet). */
async function writeThreadBundle(file: string, sub: BuiltSubmission, witnessKey: Uint8Array | null): Promise<void> {
  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
  const tar = pack();
  tar.entry(
    { name: `${sub.id}/index.json` },
    json({ format: BUNDLE_FORMAT, submission: sub.id, day: "2026-11-19", parts: sub.parts.map((p) => ({ name: p.name, size: p.bytes.length, sha256: sha256(p.bytes) })) }),
  );
  for (const p of sub.parts) tar.entry({ name: `${sub.id}/${p.name}` }, Buffer.from(p.bytes));
  const index: ThreadIndex = { format: THREAD_FORMAT, thread: sub.id, followUps: [], replies: [], witnessKey: witnessKey ? "witness-key.pgp" : null };
  tar.entry({ name: `${sub.id}/thread.json` }, json(index));
  if (witnessKey) tar.entry({ name: `${sub.id}/witness-key.pgp` }, Buffer.from(witnessKey));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar) if (c instanceof Uint8Array) chunks.push(Buffer.from(c));
  await writeFile(file, Buffer.concat(chunks));
}

async function reply(args: string[]) {
  const result = await runTestigo(["reply", ...args]);
  expect(result.out).not.toContain("NETWORK-ATTEMPT");
  return result;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-reply-cli-"));
  active = [await makeEditorKey("Ana"), await makeEditorKey("Beto")];
  retired = await makeEditorKey("Carla (left)");
  keyring = await writeSignedKeyring(path.join(work, "keys"), {
    editors: [...active.map((key) => ({ key, status: "active" as const })), { key: retired, status: "retired" }],
  });
  const witness = await createWitnessKey(PASSPHRASE);
  witnessPublic = await readWitnessPublicKey(witness.publicKey);
  witnessPrivate = await unlockWitnessKey(witness.secretKey, PASSPHRASE);
  root = await buildSubmission({
    recipients: active.map((k) => k.publicKey),
    files: [{ name: "acta.jpg", type: "image/jpeg", data: randomBytes(10_000) }],
  });
  withKey = path.join(work, "thread.tar");
  await writeThreadBundle(withKey, root, witness.publicKey);
  withoutKey = path.join(work, "thread-no-codename.tar");
  await writeThreadBundle(withoutKey, root, null);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("testigo reply", () => {
  it("writes a reply the witness decrypts, to exactly the witness and every active editor key", async () => {
    const text = "¿Está a salvo? Si puede, mande la foto del acta de la mesa 4.\nGracias.";
    const message = path.join(work, "message.txt");
    await writeFile(message, text);
    const out = path.join(work, "reply.pgp");
    const result = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out, "--root-fingerprint", keyring.rootFingerprint]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain(`/editor/submissions/${root.id}`);
    expect(result.out).toContain("2 active editor key(s)");
    // Unsigned: said plainly, with the way to sign.
    expect(result.out).toContain("NOT signed");
    expect(result.out).toContain("--sign-key");

    const bytes = new Uint8Array(await readFile(out));
    const plaintext = await decryptReply({ thread: root.id, message: bytes, key: witnessPrivate });
    expect(plaintext.text).toBe(text);
    // Editors can read what was sent in their name (testigo decrypt of the thread bundle).
    for (const editor of active) expect((await decryptReply({ thread: root.id, message: bytes, key: editor.privateKey })).text).toBe(text);

    // The PKESK set the portal checks: the witness's subkey plus every active editor's, nothing else.
    const expected = new Set([(await witnessPublic.getEncryptionKey()).getKeyID().toHex()]);
    for (const editor of active) expected.add(await encryptionKeyId(editor.publicKey));
    expect(await inspectKeyedMessage(bytes, expected)).toEqual({ ok: true });
    expected.add(await encryptionKeyId(retired.publicKey));
    expect((await inspectKeyedMessage(bytes, expected)).ok).toBe(false);
    await expect(decryptReply({ thread: root.id, message: bytes, key: retired.privateKey })).rejects.toThrow();
  });

  it("reads the message from standard input with --message-file - (and when it is absent)", async () => {
    const text = "Escrito en la terminal, sin archivo.";
    for (const [name, extra] of [["stdin-dash.pgp", ["--message-file", "-"]], ["stdin-absent.pgp", []]] as const) {
      const out = path.join(work, name);
      const child = spawn(process.execPath, ["--import", NO_NET, CLI, "reply", "--bundle", withKey, "--keys", keyring.dir, ...extra, "--out", out], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), NODE_ENV: "test" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.stdin.end(text);
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(output).not.toContain("NETWORK-ATTEMPT");
      expect(code, output).toBe(0);
      expect((await decryptReply({ thread: root.id, message: new Uint8Array(await readFile(out)), key: witnessPrivate })).text).toBe(text);
    }
  });

  it("does not overwrite an existing reply file", async () => {
    const message = path.join(work, "again.txt");
    await writeFile(message, "otra pregunta");
    const out = path.join(work, "reply.pgp");
    const before = await readFile(out);
    const result = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/already exists/);
    expect(await readFile(out)).toEqual(before);
  });

  it("refuses a thread whose witness chose no codename", async () => {
    const message = path.join(work, "nobody.txt");
    await writeFile(message, "hola");
    const out = path.join(work, "nobody.pgp");
    const result = await reply(["--bundle", withoutKey, "--keys", keyring.dir, "--message-file", message, "--out", out]);
    expect(result.code).toBe(2);
    expect(result.out).toContain("chose no codename");
    expect(await exists(out)).toBe(false);
  });

  it("refuses an empty message", async () => {
    const message = path.join(work, "empty.txt");
    await writeFile(message, "  \n\n");
    const out = path.join(work, "empty.pgp");
    const result = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out]);
    expect(result.code).toBe(1);
    expect(result.out).toContain("the message is empty");
    expect(await exists(out)).toBe(false);
  });

  it("refuses a keyring signed by another root than the pinned one, and one edited after signing", async () => {
    const message = path.join(work, "pinned.txt");
    await writeFile(message, "hola");
    const out = path.join(work, "pinned.pgp");
    const other = "0123456789ABCDEF0123456789ABCDEF01234567";
    const pinned = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out, "--root-fingerprint", other]);
    expect(pinned.code).toBe(2);
    expect(pinned.out).toContain("keyring refused");
    expect(await exists(out)).toBe(false);

    // A key quietly added to the keyring after the root signed it.
    const edited = await mkdtemp(path.join(work, "edited-keys-"));
    const copy = await writeSignedKeyring(edited, { editors: active.map((key) => ({ key, status: "active" as const })) });
    const doc = KeyringDocumentSchema.parse(JSON.parse(await readFile(path.join(copy.dir, "keyring.json"), "utf8")));
    const forged = { ...doc, keys: doc.keys.map((k, i) => (i === 0 ? { ...k, label: "Mallory" } : k)) };
    await writeFile(path.join(copy.dir, "keyring.json"), `${JSON.stringify(forged, null, 2)}\n`);
    const tampered = await reply(["--bundle", withKey, "--keys", copy.dir, "--message-file", message, "--out", out]);
    expect(tampered.code).toBe(2);
    expect(tampered.out).toMatch(/keyring refused: .*signature does not verify/);
    expect(await exists(out)).toBe(false);
  });

  it("refuses an inbox bundle (no thread.json) with a hint", async () => {
    const tar = pack();
    tar.entry({ name: `${root.id}/index.json` }, "{}");
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const c of tar) if (c instanceof Uint8Array) chunks.push(Buffer.from(c));
    const inbox = path.join(work, "inbox.tar");
    await writeFile(inbox, Buffer.concat(chunks));
    const result = await reply(["--bundle", inbox, "--keys", keyring.dir, "--message-file", path.join(work, "message.txt"), "--out", path.join(work, "x.pgp")]);
    expect(result.code).toBe(2);
    expect(result.out).toContain("holds no thread.json");
  });
});

describe("testigo reply --sign-key", () => {
  const keyringKeys = () => active.map((k) => k.publicKey);

  it("signs with an active keyring key; the witness verifies it against the keyring", async () => {
    const text = "Somos la redacción. ¿Puede confirmar la hora del acta?";
    const message = path.join(work, "signed.txt");
    await writeFile(message, text);
    const signer = active[1]!;
    const secret = path.join(work, "beto-secret.asc");
    await writeFile(secret, signer.armoredPrivate);
    const out = path.join(work, "signed.pgp");
    const result = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out, "--sign-key", secret]);
    expect(result.code, result.out).toBe(0);
    const label = keyring.document.keys.find((k) => k.fingerprint === signer.fingerprint)?.label ?? "";
    expect(result.out).toContain(`signed by your key`);
    expect(result.out).toContain(`"${label}"`);
    expect(result.out).not.toContain("NOT signed");

    const bytes = new Uint8Array(await readFile(out));
    const opened = await decryptReply({ thread: root.id, message: bytes, key: witnessPrivate, verificationKeys: keyringKeys() });
    expect(opened).toMatchObject({ text, signed: true, signedBy: signer.fingerprint.toUpperCase() });
    // The server sees the same PKESK set as for an unsigned reply.
    const expected = new Set([(await witnessPublic.getEncryptionKey()).getKeyID().toHex()]);
    for (const editor of active) expected.add(await encryptionKeyId(editor.publicKey));
    expect(await inspectKeyedMessage(bytes, expected)).toEqual({ ok: true });
  });

  it("unlocks a passphrase-protected signing key with --passphrase-file", async () => {
    const signer = active[0]!;
    const locked = await encryptKey({ privateKey: signer.privateKey, passphrase: "correct horse" });
    const secret = path.join(work, "ana-locked.asc");
    await writeFile(secret, locked.armor());
    const passFile = path.join(work, "ana-pass.txt");
    await writeFile(passFile, "correct horse\n");
    const message = path.join(work, "locked.txt");
    await writeFile(message, "firmado con clave protegida");
    const out = path.join(work, "locked.pgp");
    const result = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out, "--sign-key", secret, "--passphrase-file", passFile]);
    expect(result.code, result.out).toBe(0);
    const opened = await decryptReply({ thread: root.id, message: new Uint8Array(await readFile(out)), key: witnessPrivate, verificationKeys: keyringKeys() });
    expect(opened.signedBy).toBe(signer.fingerprint.toUpperCase());

    await writeFile(passFile, "wrong\n");
    const wrong = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", path.join(work, "wrong-pass.pgp"), "--sign-key", secret, "--passphrase-file", passFile]);
    expect(wrong.code).toBe(2);
    expect(wrong.out).toContain("does not unlock");
    expect(await exists(path.join(work, "wrong-pass.pgp"))).toBe(false);
  });

  it("refuses a retired keyring key and a key that is not in the keyring", async () => {
    const message = path.join(work, "refused.txt");
    await writeFile(message, "hola");
    const retiredFile = path.join(work, "carla-secret.asc");
    await writeFile(retiredFile, retired.armoredPrivate);
    const out = path.join(work, "refused.pgp");
    const old = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out, "--sign-key", retiredFile]);
    expect(old.code).toBe(2);
    expect(old.out).toMatch(/retired, not active/);
    expect(await exists(out)).toBe(false);

    const stranger = await makeEditorKey("Mallory");
    const strangerFile = path.join(work, "mallory-secret.asc");
    await writeFile(strangerFile, stranger.armoredPrivate);
    const unknown = await reply(["--bundle", withKey, "--keys", keyring.dir, "--message-file", message, "--out", out, "--sign-key", strangerFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/is not in keyring version/);
    expect(await exists(out)).toBe(false);
  });
});
