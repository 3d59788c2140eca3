/**
 * Key rotation of editor replies (docs/adr/0007-two-way-contact.md; DESIGN promise 7), end to end
 * on a real portal with a signed keyring: a thread whose replies were encrypted to the witness and
 * editor key A; B added, A retired, the keyring signed and reloaded; with A gone, B alone cannot
 * read them. `export --headers-only` carries the replies, `keys rewrap` (offline, with A) wraps
 * their session keys to B and keeps the witness's packet and the encrypted packet byte for byte,
 * `keys import-rewrap` refuses forged replies by name and installs the genuine ones (idempotent).
 * Then B alone decrypts every reply of the thread bundle, and the witness still reads them all.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { encryptSessionKey, PublicKeyEncryptedSessionKeyPacket, readMessage } from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { unlockWitnessKey, readWitnessPublicKey } from "~/codename/witness-key";
import { ThreadViewSchema } from "~/contact/format";
import { decryptReply } from "~/contact/reply";
import { recoverSessionKey } from "~/envelope/decrypt";
import { keyedPacketsOf } from "~/envelope/inspect";
import { KeyringBundleSchema, KeyringDocumentSchema } from "~/keyring/document";
import { ThreadStore } from "../../server/contacts/thread-store";
import { readHeadersFile, replyEntryName, writeHeadersFile, type HeadersFile } from "../../server/export/headers-file";
import { openDb } from "../../server/storage/db";
import { runTestigo } from "../support/cli";
import {
  FAST_CONTACT_ENV,
  encryptTestReply,
  makeWitnessKeys,
  newLogin,
  openThread,
  postReply,
  register,
  registration,
  type WitnessKeys,
} from "../support/contact";
import { encryptionKeyId, makeEditorKey, writeSignedKeyring, type TestEditorKey } from "../support/keys";
import { makeDataDir } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";
import { queryDb, withPortal } from "../security/helpers/fixture";
import { EditorClient, addEditor, untar } from "../security/editor-support";

const WAIT_MS = 30_000;

let keysDir: string;
let work: string;
let keyA: TestEditorKey;
let keyB: TestEditorKey;
let root: { armoredPrivate: string; fingerprint: string };

const portal = withPortal(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), "testigo-rotation-replies-keys-"));
  [keyA, keyB] = await Promise.all([makeEditorKey("Editor A"), makeEditorKey("Editor B")]);
  const written = await writeSignedKeyring(keysDir, { editors: [{ key: keyA, status: "active" }], version: 1 });
  root = { armoredPrivate: written.rootArmoredPrivate, fingerprint: written.rootFingerprint };
  return { dataDir: await makeDataDir(), env: { ...FAST_CONTACT_ENV, TESTIGO_KEYS_DIR: keysDir, TESTIGO_ROOT_FINGERPRINT: root.fingerprint } };
});

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-rotation-replies-"));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runTestigo(args, {
    TESTIGO_DATA_DIR: portal().dataDir,
    TESTIGO_KEYS_DIR: keysDir,
    TESTIGO_ROOT_FINGERPRINT: root.fingerprint,
  });
}

async function servedVersion(): Promise<number> {
  const res = await fetch(`${portal().witnessUrl}/api/v1/keyring`);
  const bundle = KeyringBundleSchema.parse(await res.json());
  return KeyringDocumentSchema.parse(JSON.parse(bundle.document)).version;
}

async function pkeskKeyIds(bytes: Uint8Array): Promise<string[]> {
  const message = await readMessage({ binaryMessage: bytes });
  return message.packets.filter((p) => p instanceof PublicKeyEncryptedSessionKeyPacket).map((p) => p.publicKeyID.toHex());
}

const StoredReplyRow = z.object({
  id: z.string(),
  sha256: z.string(),
  message: z.instanceof(Uint8Array),
  message_before_rewrap: z.instanceof(Uint8Array).nullable(),
});
type StoredReplyRow = z.infer<typeof StoredReplyRow>;

function storedReplies(): StoredReplyRow[] {
  return queryDb(portal().dataDir, "SELECT id, sha256, message, message_before_rewrap FROM replies ORDER BY seq").map((r) => {
    const row = StoredReplyRow.parse(r);
    // better-sqlite3 hands out Buffers; compare them as plain byte arrays.
    return { ...row, message: new Uint8Array(row.message), message_before_rewrap: row.message_before_rewrap && new Uint8Array(row.message_before_rewrap) };
  });
}

const texts = ["¿Puede enviar otra foto del acta?", "¿A qué hora cerraron la mesa?", "Gracias; ¿está a salvo?"];
let thread = "";
let witness: WitnessKeys;
let login = "";
let witnessKeyId = "";
let original: StoredReplyRow[] = [];
let headersFile = "";
let rewrapped = "";
let idA = "";
let idB = "";

async function exportAndDecryptWithB(name: string): Promise<{ code: number; out: string; plainDir: string }> {
  const bundles = path.join(work, `bundles-${name}`);
  const exported = await cli(["export", "--out", bundles]);
  expect(exported.code, exported.out).toBe(0);
  const [bundle] = await readdir(bundles);
  const plainDir = path.join(work, `plain-${name}`);
  const result = await cli(["decrypt", path.join(bundles, bundle!), "--key", path.join(work, "b-secret.asc"), "--out", plainDir]);
  expect(result.out).not.toContain("NETWORK-ATTEMPT");
  return { ...result, plainDir };
}

/** A copy of the rewrapped file with reply 1 replaced by `forge(its rewrapped bytes)`. */
async function forgedFile(name: string, forge: (bytes: Uint8Array) => Promise<Uint8Array>): Promise<string> {
  const file: HeadersFile = await readHeadersFile(rewrapped);
  const id = original[0]!.id;
  file.replies.set(id, await forge(file.replies.get(id)!));
  const target = path.join(work, `${name}.tar`);
  await writeHeadersFile(target, file);
  return target;
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe("key rotation of editor replies", () => {
  it("replies to the witness and A; after B replaces A, B alone cannot read them (the problem)", async () => {
    idA = await encryptionKeyId(keyA.publicKey);
    idB = await encryptionKeyId(keyB.publicKey);
    const before = await fetchRecipients(portal().witnessUrl);
    const first = await buildSubmission({ recipients: before.recipients, files: [], report: { what: "primer informe" } });
    await uploadAndSeal(portal().witnessUrl, first);
    thread = first.id;
    login = newLogin();
    witness = await makeWitnessKeys();
    witnessKeyId = (await (await readWitnessPublicKey(witness.publicKey)).getEncryptionKey()).getKeyID().toHex();
    expect((await register(portal().witnessUrl, thread, registration(login, witness))).status).toBe(201);

    const editor = new EditorClient(portal().editorUrl);
    const csrf = await editor.loginOk("ana", (await addEditor(portal().dataDir, "ana")).secret);
    for (const text of texts.slice(0, 2)) {
      const reply = await encryptTestReply({ thread, witnessPublicKey: witness.publicKey, editorKeys: before.recipients, text });
      expect((await postReply(editor, thread, reply, csrf)).status).toBe(201);
    }

    await writeSignedKeyring(keysDir, { editors: [{ key: keyA, status: "retired" }, { key: keyB, status: "active" }], version: 2, root });
    const deadline = Date.now() + WAIT_MS;
    while ((await servedVersion()) !== 2) {
      if (Date.now() > deadline) throw new Error("the portal did not load keyring version 2");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A reply sent after the rotation is already encrypted to the witness and B.
    const after = await fetchRecipients(portal().witnessUrl);
    const third = await encryptTestReply({ thread, witnessPublicKey: witness.publicKey, editorKeys: after.recipients, text: texts[2] });
    expect((await postReply(editor, thread, third, csrf)).status).toBe(201);

    original = storedReplies();
    expect(original).toHaveLength(3);
    expect(await pkeskKeyIds(original[0]!.message)).toEqual([witnessKeyId, idA]);
    expect(await pkeskKeyIds(original[2]!.message)).toEqual([witnessKeyId, idB]);

    await writeFile(path.join(work, "b-secret.asc"), keyB.armoredPrivate, { mode: 0o600 });
    const result = await exportAndDecryptWithB("before");
    expect(result.code, result.out).not.toBe(0);
    expect(result.out).toContain("1 of 3 reply(ies) decrypted");
  });

  it("export --headers-only lists every reply with its thread and witness key and carries its message", async () => {
    const usb = path.join(work, "usb");
    const result = await cli(["export", "--headers-only", "--out", usb]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain("1 sealed submission(s) and 3 editor reply(ies)");
    const [name] = await readdir(usb);
    headersFile = path.join(usb, name!);
    const file = await readHeadersFile(headersFile);
    expect(file.index.replies).toEqual(original.map((r) => ({ id: r.id, thread, witnessKeyId })));
    for (const r of original) expect(file.replies.get(r.id)).toEqual(r.message);
    const entries = await untar(await readFile(headersFile));
    for (const r of original) expect(entries.has(`${thread}/replies/${r.id}.pgp`)).toBe(true);
  });

  it("a headers file without replies has no `replies` key, as older versions wrote, and still reads", async () => {
    const file = await readHeadersFile(headersFile);
    const noReplies = path.join(work, "no-replies.tar");
    await writeHeadersFile(noReplies, { index: { format: file.index.format, submissions: file.index.submissions }, parts: file.parts, replies: new Map() });
    const index: unknown = JSON.parse((await untar(await readFile(noReplies))).get("index.json")!.toString("utf8"));
    expect(index).toEqual({ format: "testigo-headers/1", submissions: file.index.submissions });
    const read = await readHeadersFile(noReplies);
    expect(read.index.replies).toBeUndefined();
    expect(read.replies.size).toBe(0);
    expect(read.parts.size).toBe(file.parts.size);
  });

  it("keys rewrap, offline with A, wraps the replies to the witness and B, keeping the witness's packet and the encrypted packet", async () => {
    await writeFile(path.join(work, "a-secret.asc"), keyA.armoredPrivate, { mode: 0o600 });
    rewrapped = path.join(work, "rewrapped.tar");
    const result = await cli(["keys", "rewrap", headersFile, "--key", path.join(work, "a-secret.asc"), "--keys-dir", keysDir, "--out", rewrapped]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain("rewrapped 2 editor reply(ies)");
    expect(result.out).toContain("1 already current");
    const file = await readHeadersFile(rewrapped);
    expect(file.index.replies?.map((r) => r.id)).toEqual([original[0]!.id, original[1]!.id]);
    for (const r of original.slice(0, 2)) {
      const bytes = file.replies.get(r.id)!;
      expect(await pkeskKeyIds(bytes)).toEqual([witnessKeyId, idB]);
      const before = await keyedPacketsOf(r.message);
      const after = await keyedPacketsOf(bytes);
      if (!before.ok || !after.ok) throw new Error("not a keyed message");
      expect(after.encrypted).toEqual(before.encrypted);
      expect(after.sessionKeys[0]!.bytes).toEqual(before.sessionKeys.find((p) => p.keyId === witnessKeyId)!.bytes);
    }
  });

  it("import-rewrap refuses forged replies by name and still imports the rest", async () => {
    const other = await makeEditorKey("Editor C");
    const witnessPublic = await readWitnessPublicKey(witness.publicKey);
    const sessionKey = await recoverSessionKey(original[0]!.message, [keyA.privateKey]);
    const split = async (bytes: Uint8Array) => {
      const packets = await keyedPacketsOf(bytes);
      if (!packets.ok) throw new Error(packets.reason);
      return packets;
    };
    const forgeries: { name: string; forge: (bytes: Uint8Array) => Promise<Uint8Array>; reason: string }[] = [
      {
        name: "seipd-changed",
        forge: async (bytes) => {
          const altered = new Uint8Array(bytes);
          altered[altered.length - 5]! ^= 0x01;
          return altered;
        },
        reason: "its encrypted packet differs from the stored one",
      },
      {
        name: "witness-dropped",
        forge: async (bytes) => {
          const p = await split(bytes);
          return concat(...p.sessionKeys.filter((k) => k.keyId !== witnessKeyId).map((k) => k.bytes), p.encrypted);
        },
        reason: `expected exactly one session-key packet to the witness's key ${witnessKeyId}, found 0`,
      },
      {
        // A working packet to the witness's key, but not the stored one: refused all the same.
        name: "witness-remade",
        forge: async (bytes) => {
          const p = await split(bytes);
          const remade = await encryptSessionKey({ data: sessionKey, algorithm: "aes256", encryptionKeys: witnessPublic, format: "binary" });
          return concat(remade, ...p.sessionKeys.filter((k) => k.keyId !== witnessKeyId).map((k) => k.bytes), p.encrypted);
        },
        reason: `its session-key packet to the witness's key ${witnessKeyId} differs from the stored one`,
      },
      {
        name: "extra-key",
        forge: async (bytes) => {
          const p = await split(bytes);
          const extra = await encryptSessionKey({ data: sessionKey, algorithm: "aes256", encryptionKeys: other.publicKey, format: "binary" });
          return concat(...p.sessionKeys.map((k) => k.bytes), extra, p.encrypted);
        },
        reason: "not encrypted to exactly the witness's key and the current keyring's keys",
      },
    ];
    const [one, two] = original;
    for (const [i, f] of forgeries.entries()) {
      const result = await cli(["keys", "import-rewrap", await forgedFile(f.name, f.forge)]);
      expect(result.code, result.out).toBe(2);
      expect(result.out).toContain(`REFUSED ${replyEntryName(thread, one!.id)}: ${f.reason}`);
      expect(result.out).toContain(`${i === 0 ? "replaced" : "already in place"} ${replyEntryName(thread, two!.id)}`);
      const now = storedReplies();
      expect(now[0]!.sha256).toBe(one!.sha256);
      expect(now[0]!.message_before_rewrap).toBeNull();
    }
    expect(await pkeskKeyIds(storedReplies()[1]!.message)).toEqual([witnessKeyId, idB]);
  });

  it("import-rewrap of the genuine file replaces the rest, keeps the old messages, and again changes nothing", async () => {
    const result = await cli(["keys", "import-rewrap", rewrapped]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain(`replaced ${replyEntryName(thread, original[0]!.id)}`);
    expect(result.out).toContain(`already in place ${replyEntryName(thread, original[1]!.id)}`);
    const after = storedReplies();
    const file = await readHeadersFile(rewrapped);
    for (const [i, r] of original.slice(0, 2).entries()) {
      expect(after[i]!.message).toEqual(file.replies.get(r.id));
      expect(after[i]!.message_before_rewrap).toEqual(r.message);
    }
    expect(after[2]).toEqual(original[2]);
    expect(queryDb(portal().dataDir, "SELECT size FROM replies ORDER BY seq")).toEqual(after.map((r) => ({ size: r.message.length })));

    const again = await cli(["keys", "import-rewrap", rewrapped]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain("0 replaced, 3 already in place, 0 refused");
    expect(storedReplies()).toEqual(after);
  });

  it("a reply that changed after its check is not replaced (the import's compare-and-swap)", async () => {
    const db = openDb(path.join(portal().dataDir, "testigo.sqlite"));
    try {
      const before = storedReplies();
      const outcome = new ThreadStore(db).replaceReplyMessage({ id: before[0]!.id, checkedSha256: original[0]!.sha256, bytes: new Uint8Array([0xc1, 0x00]), sha256: "0".repeat(64) });
      expect(outcome).toBe("changed");
      expect(storedReplies()).toEqual(before);
    } finally {
      db.close();
    }
  });

  it("with A's secret key destroyed, B alone decrypts every reply of the thread bundle", async () => {
    await rm(path.join(work, "a-secret.asc"));
    const result = await exportAndDecryptWithB("after");
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain("3 of 3 reply(ies) decrypted");
    const [dir] = await readdir(result.plainDir);
    const written = (await readdir(path.join(result.plainDir, dir!, "replies"))).sort();
    expect(written).toHaveLength(3);
    for (const [i, name] of written.entries()) {
      expect(await readFile(path.join(result.plainDir, dir!, "replies", name), "utf8")).toContain(texts[i]!);
    }
  });

  it("the witness still reads every reply with the witness key, from the thread view", async () => {
    const res = await openThread(portal().witnessUrl, login);
    expect(res.status).toBe(200);
    const view = ThreadViewSchema.parse(JSON.parse(res.text));
    const key = await unlockWitnessKey(witness.secretKey, witness.passphrase);
    const read = [];
    for (const r of view.replies) read.push((await decryptReply({ thread, message: new Uint8Array(Buffer.from(r.message, "base64")), key })).text);
    expect(read).toEqual(texts);
  });

  it("drop-old-headers forgets the replies' pre-rewrap messages", async () => {
    const dropped = await cli(["keys", "drop-old-headers"]);
    expect(dropped.code, dropped.out).toBe(0);
    expect(dropped.out).toContain("the pre-rewrap copies of 2 reply(ies)");
    expect(storedReplies().map((r) => r.message_before_rewrap)).toEqual([null, null, null]);
  });
});
