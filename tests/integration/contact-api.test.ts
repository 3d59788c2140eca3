/**
 * Two-way contact against a real portal on loopback (docs/adr/0007-two-way-contact.md): a witness
 * registers a codename's keys on a sealed first submission, opens the thread, links and seals a
 * follow-up; an editor sees it in the thread bundle, replies through the editor endpoint, and the
 * witness reads the reply; deleting the thread removes every trace of it but the audit lines.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { generateKey, readKey, type PublicKey } from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { BundleIndexSchema } from "~/bundle/index-schema";
import { unlockWitnessKey } from "~/codename/witness-key";
import { ThreadIndexSchema, ThreadViewSchema, UNKNOWN_CODENAME } from "~/contact/format";
import { decryptReply } from "~/contact/reply";
import { randomBytes } from "~/envelope/hex";
import { FIXED_PACKET_DATE, witnessKeyConfig } from "~/envelope/pgp-config";
import { armorPublicKey } from "../../server/contacts/armor";
import { listFiles } from "../support/portal";
import {
  FAST_CONTACT_ENV,
  encryptTestReply,
  linkFollowUp,
  makeWitnessKeys,
  newLogin,
  openThread,
  postReply,
  register,
  registration,
  type WitnessKeys,
} from "../support/contact";
import { buildSubmission, fetchRecipients, putPart, seal, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { EditorClient, addEditor, untar } from "../security/editor-support";
import { expectApiError, queryDb, withPortal } from "../security/helpers/fixture";

const portal = withPortal({ env: FAST_CONTACT_ENV });
let recipients: PublicKey[];
let alice: EditorClient;
let csrf: string;
let root: BuiltSubmission;
let keys: WitnessKeys;
const login = newLogin();

const build = (thread?: string) =>
  buildSubmission({ recipients, chunkSize: 4096, thread, files: [{ name: "acta.jpg", type: "image/jpeg", data: randomBytes(5000) }] });

async function uploadFirstPart(sub: BuiltSubmission): Promise<void> {
  const first = sub.parts[0];
  if (!first) throw new Error("no parts");
  expect((await putPart(portal().witnessUrl, sub.id, first.name, first.bytes)).status).toBe(201);
}

async function uploadRestAndSeal(sub: BuiltSubmission): Promise<void> {
  for (const p of sub.parts.slice(1)) expect((await putPart(portal().witnessUrl, sub.id, p.name, p.bytes)).status).toBe(201);
  expect((await seal(portal().witnessUrl, sub.id, sub.seal)).status).toBe(200);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  recipients = (await fetchRecipients(witnessUrl)).recipients;
  keys = await makeWitnessKeys();
  root = await build();
  await uploadAndSeal(witnessUrl, root);
  const { secret } = await addEditor(dataDir, "alice");
  alice = new EditorClient(editorUrl);
  csrf = await alice.loginOk("alice", secret);
});

describe("registering a codename", () => {
  it("201 on a sealed first submission; the server keeps the verifier's hash, never the verifier", async () => {
    const res = await register(portal().witnessUrl, root.id, registration(login, keys));
    expect(res.status, await res.clone().text()).toBe(201);
    const rows = queryDb(portal().dataDir, "SELECT submission_id, login_sha256, public_key, secret_key, created_day FROM contacts");
    expect(rows).toEqual([
      {
        submission_id: root.id,
        login_sha256: sha256(Buffer.from(login, "hex")),
        public_key: Buffer.from(keys.publicKey),
        secret_key: Buffer.from(keys.secretKey),
        created_day: today(),
      },
    ]);
    expect(JSON.stringify(queryDb(portal().dataDir, "SELECT * FROM contacts"))).not.toContain(login);
  });

  it("200 for the same registration again; 409 for a different one, or this codename elsewhere", async () => {
    expect((await register(portal().witnessUrl, root.id, registration(login, keys))).status).toBe(200);
    await expectApiError(await register(portal().witnessUrl, root.id, registration(newLogin(), keys)), 409, "conflict");
    const other = await makeWitnessKeys();
    await expectApiError(await register(portal().witnessUrl, root.id, registration(login, other)), 409, "conflict");
    const second = await build();
    await uploadAndSeal(portal().witnessUrl, second);
    await expectApiError(await register(portal().witnessUrl, second.id, registration(login, other)), 409, "conflict");
  });

  it("404 for an unknown or unsealed submission", async () => {
    await expectApiError(await register(portal().witnessUrl, "0".repeat(32), registration(newLogin(), keys)), 404, "not_found");
    const unsealed = await build();
    await uploadFirstPart(unsealed);
    await expectApiError(await register(portal().witnessUrl, unsealed.id, registration(newLogin(), keys)), 404, "not_found");
  });

  it("422 for keys of the wrong shape, and for a secret key stored unprotected", async () => {
    const target = await build();
    await uploadAndSeal(portal().witnessUrl, target);
    const garbage = { publicKey: randomBytes(300), secretKey: randomBytes(600) };
    await expectApiError(await register(portal().witnessUrl, target.id, registration(newLogin(), garbage)), 422, "unprocessable");
    // The public half where the secret half belongs.
    await expectApiError(
      await register(portal().witnessUrl, target.id, registration(newLogin(), { publicKey: keys.publicKey, secretKey: keys.publicKey })),
      422,
      "unprocessable",
    );
    const bare = await generateKey({
      type: "ecc",
      curve: "curve25519Legacy",
      userIDs: [{ name: "Testigo witness" }],
      subkeys: [{}],
      date: FIXED_PACKET_DATE,
      format: "binary",
      config: witnessKeyConfig,
    });
    const refused = await expectApiError(
      await register(portal().witnessUrl, target.id, registration(newLogin(), { publicKey: bare.publicKey, secretKey: bare.privateKey })),
      422,
      "unprocessable",
    );
    expect(refused.message).toMatch(/not encrypted/);
    await expectApiError(await register(portal().witnessUrl, target.id, { ...registration(newLogin(), keys), format: 2 }), 422, "unprocessable");
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM contacts WHERE submission_id = ?", target.id)).toEqual([{ n: 0 }]);
  });
});

describe("the witness key editors get", () => {
  it("is the registered key, armored as GnuPG and OpenPGP.js read it", async () => {
    const key = await readKey({ armoredKey: armorPublicKey(keys.publicKey) });
    expect(key.write()).toEqual(keys.publicKey);
  });
});

describe("opening the thread", () => {
  it("the right login gets the registered keys and an empty thread", async () => {
    const res = await openThread(portal().witnessUrl, login);
    expect(res.status, res.text).toBe(200);
    expect(res.headers["set-cookie"]).toBeUndefined();
    const view = ThreadViewSchema.parse(JSON.parse(res.text));
    expect(view).toEqual({ thread: root.id, publicKey: Buffer.from(keys.publicKey).toString("base64"), secretKey: Buffer.from(keys.secretKey).toString("base64"), replies: [], followUps: [] });
  });

  it("any other login gets the unknown answer", async () => {
    const res = await openThread(portal().witnessUrl, newLogin());
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ error: UNKNOWN_CODENAME });
  });
});

describe("a follow-up", () => {
  let followUp: BuiltSubmission;

  it("is linked after its first part (idempotently), sealed, and listed when the thread is opened", async () => {
    followUp = await build(root.id);
    await uploadFirstPart(followUp);
    const linked = await linkFollowUp(portal().witnessUrl, login, followUp.id);
    expect(linked.status, linked.text).toBe(200);
    expect(JSON.parse(linked.text)).toEqual({ linked: true });
    expect((await linkFollowUp(portal().witnessUrl, login, followUp.id)).status).toBe(200);
    // Unsealed follow-ups are not part of the thread yet.
    expect(ThreadViewSchema.parse(JSON.parse((await openThread(portal().witnessUrl, login)).text)).followUps).toEqual([]);
    await uploadRestAndSeal(followUp);
    // A retry after the seal (the answer to the first link was lost) still succeeds.
    expect((await linkFollowUp(portal().witnessUrl, login, followUp.id)).status).toBe(200);
    const view = ThreadViewSchema.parse(JSON.parse((await openThread(portal().witnessUrl, login)).text));
    expect(view.followUps).toEqual([{ id: followUp.id, day: today() }]);
  });

  it("takes no codename of its own, and links refuse what cannot be a follow-up of this thread (409)", async () => {
    await expectApiError(await register(portal().witnessUrl, followUp.id, registration(newLogin(), keys)), 404, "not_found");
    const conflict = (res: { status: number; text: string }) => {
      expect(res.status, res.text).toBe(409);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: "conflict" } });
    };
    // The root itself.
    conflict(await linkFollowUp(portal().witnessUrl, login, root.id));
    // A sealed submission that was never linked.
    const sealedAlone = await build();
    await uploadAndSeal(portal().witnessUrl, sealedAlone);
    conflict(await linkFollowUp(portal().witnessUrl, login, sealedAlone.id));
    // Nothing uploaded yet.
    conflict(await linkFollowUp(portal().witnessUrl, login, "f".repeat(32)));
    // In another witness's thread.
    const otherRoot = await build();
    await uploadAndSeal(portal().witnessUrl, otherRoot);
    const otherLogin = newLogin();
    expect((await register(portal().witnessUrl, otherRoot.id, registration(otherLogin, await makeWitnessKeys()))).status).toBe(201);
    const theirs = await build(otherRoot.id);
    await uploadFirstPart(theirs);
    expect((await linkFollowUp(portal().witnessUrl, otherLogin, theirs.id)).status).toBe(200);
    conflict(await linkFollowUp(portal().witnessUrl, login, theirs.id));
    // Another thread's root.
    conflict(await linkFollowUp(portal().witnessUrl, login, otherRoot.id));
    // An unknown login never reaches these checks.
    expect((await linkFollowUp(portal().witnessUrl, newLogin(), theirs.id)).status).toBe(404);
  });

  it("is not a submission of its own for editors: no bundle, no deletion; the thread bundle carries it", async () => {
    expect((await alice.get(`/editor/submissions/${followUp.id}/bundle`)).status).toBe(404);
    expect((await alice.post(`/editor/submissions/${followUp.id}/delete`, { csrf, confirm: "yes" })).status).toBe(404);
    const res = await alice.get(`/editor/submissions/${root.id}/bundle`);
    expect(res.status).toBe(200);
    const files = await untar(res.body);
    const names = [...files.keys()];
    // The root as before (index, then its parts), then the thread's files, then each follow-up.
    const n = root.parts.length;
    expect(names[0]).toBe(`${root.id}/index.json`);
    expect(names.slice(1, 1 + n).sort()).toEqual(root.parts.map((p) => `${root.id}/${p.name}`).sort());
    expect(names.slice(1 + n, 3 + n)).toEqual([`${root.id}/thread.json`, `${root.id}/witness-key.pgp`]);
    expect(names[3 + n]).toBe(`${followUp.id}/index.json`);
    expect(names.slice(4 + n).sort()).toEqual(followUp.parts.map((p) => `${followUp.id}/${p.name}`).sort());
    const thread = ThreadIndexSchema.parse(JSON.parse(files.get(`${root.id}/thread.json`)?.toString() ?? ""));
    expect(thread).toEqual({ format: "testigo-thread/1", thread: root.id, followUps: [{ id: followUp.id, day: today() }], replies: [], witnessKey: "witness-key.pgp" });
    expect(new Uint8Array(files.get(`${root.id}/witness-key.pgp`) ?? [])).toEqual(keys.publicKey);
    const index = BundleIndexSchema.parse(JSON.parse(files.get(`${followUp.id}/index.json`)?.toString() ?? ""));
    expect(index.thread).toBe(root.id);
    for (const p of followUp.parts) expect(new Uint8Array(files.get(`${followUp.id}/${p.name}`) ?? [])).toEqual(p.bytes);
    // The download marked the whole thread.
    const downloaded = queryDb(portal().dataDir, "SELECT submission_id FROM submission_downloads ORDER BY submission_id").map((r) => JSON.stringify(r));
    expect(downloaded).toEqual([root.id, followUp.id].sort().map((id) => JSON.stringify({ submission_id: id })));
  });
});

describe("a reply", () => {
  let replyBytes: Uint8Array;
  let replyId: string;

  it("is stored from the editor endpoint (201), idempotently (200), with an audit line", async () => {
    replyBytes = await encryptTestReply({ thread: root.id, witnessPublicKey: keys.publicKey, editorKeys: recipients, text: "¿Está a salvo?" });
    const res = await postReply(alice, root.id, replyBytes, csrf);
    expect(res.status, res.text).toBe(201);
    const body: unknown = JSON.parse(res.text);
    expect(body).toEqual({ reply: { id: expect.stringMatching(/^[0-9a-f]{32}$/), day: today() } });
    replyId = String(JSON.parse(res.text).reply.id);
    const again = await postReply(alice, root.id, replyBytes, csrf);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ reply: { id: replyId, day: today() } });
    expect(queryDb(portal().dataDir, "SELECT id, editor, size FROM replies")).toEqual([{ id: replyId, editor: "alice", size: replyBytes.length }]);
    expect(queryDb(portal().dataDir, "SELECT editor, submission_id FROM editor_audit WHERE action = 'reply'")).toEqual([{ editor: "alice", submission_id: root.id }]);
  });

  it("reaches the witness, who decrypts it with the codename's key", async () => {
    const view = ThreadViewSchema.parse(JSON.parse((await openThread(portal().witnessUrl, login)).text));
    expect(view.replies).toEqual([{ id: replyId, day: today(), message: Buffer.from(replyBytes).toString("base64") }]);
    const key = await unlockWitnessKey(keys.secretKey, keys.passphrase);
    const plaintext = await decryptReply({ thread: root.id, message: new Uint8Array(Buffer.from(view.replies[0]?.message ?? "", "base64")), key });
    expect(plaintext.text).toBe("¿Está a salvo?");
  });

  it("is in the thread bundle", async () => {
    const files = await untar((await alice.get(`/editor/submissions/${root.id}/bundle`)).body);
    expect(new Uint8Array(files.get(`${root.id}/replies/${replyId}.pgp`) ?? [])).toEqual(replyBytes);
    const thread = ThreadIndexSchema.parse(JSON.parse(files.get(`${root.id}/thread.json`)?.toString() ?? ""));
    expect(thread.replies).toEqual([{ id: replyId, day: today(), size: replyBytes.length, sha256: sha256(replyBytes) }]);
  });

  it("is refused (404) on a thread whose witness chose no codename", async () => {
    const silent = await build();
    await uploadAndSeal(portal().witnessUrl, silent);
    const res = await postReply(alice, silent.id, replyBytes, csrf);
    expect(res.status).toBe(404);
    const files = await untar((await alice.get(`/editor/submissions/${silent.id}/bundle`)).body);
    expect(ThreadIndexSchema.parse(JSON.parse(files.get(`${silent.id}/thread.json`)?.toString() ?? ""))).toEqual({
      format: "testigo-thread/1",
      thread: silent.id,
      followUps: [],
      replies: [],
      witnessKey: null,
    });
  });
});

describe("deleting the thread", () => {
  it("removes the root, its follow-ups (rows and blobs), replies and contact; the codename then opens nothing", async () => {
    const { dataDir, witnessUrl } = portal();
    const followUps = queryDb(dataDir, "SELECT id FROM submissions WHERE thread_id = ?", root.id).map((r) => JSON.stringify(r));
    expect(followUps).toHaveLength(1);
    const followUpId = String(JSON.parse(followUps[0] ?? "{}").id);
    // One more follow-up, still uploading: it goes with its thread too.
    const pending = await build(root.id);
    await uploadFirstPart(pending);
    expect((await linkFollowUp(witnessUrl, login, pending.id)).status).toBe(200);

    const res = await alice.post(`/editor/submissions/${root.id}/delete`, { csrf, confirm: "yes" });
    expect(res.status).toBe(303);
    for (const id of [root.id, followUpId, pending.id]) {
      expect(await listFiles(path.join(dataDir, "blobs", id))).toEqual([]);
      expect(queryDb(dataDir, "SELECT count(*) AS n FROM submissions WHERE id = ?", id)).toEqual([{ n: 0 }]);
      expect(queryDb(dataDir, "SELECT count(*) AS n FROM parts WHERE submission_id = ?", id)).toEqual([{ n: 0 }]);
      expect(queryDb(dataDir, "SELECT count(*) AS n FROM submission_downloads WHERE submission_id = ?", id)).toEqual([{ n: 0 }]);
    }
    expect(queryDb(dataDir, "SELECT count(*) AS n FROM contacts WHERE submission_id = ?", root.id)).toEqual([{ n: 0 }]);
    expect(queryDb(dataDir, "SELECT count(*) AS n FROM replies")).toEqual([{ n: 0 }]);
    expect(queryDb(dataDir, "SELECT submission_id FROM editor_audit WHERE action = 'delete' ORDER BY seq")).toEqual(
      [root.id, followUpId, pending.id].map((id) => ({ submission_id: id })),
    );
    const open = await openThread(witnessUrl, login);
    expect(open.status).toBe(404);
    expect(JSON.parse(open.text)).toEqual({ error: UNKNOWN_CODENAME });
  });
});
