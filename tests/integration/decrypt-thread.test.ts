/**
 * `testigo decrypt` of a thread bundle (docs/adr/0007-two-way-contact.md), offline under the
 * network guard: the root, a follow-up and two replies decrypt, the replies land in the root's
 * replies/ folder in thread order, and report.md / verification.txt name them. A follow-up whose
 * manifest (written by the witness) names another thread than the bundle's index (written by the
 * server) is a verification problem (exit 2); so is a reply altered, missing or not listed.
 * With --keys (a signed keys folder) reply signatures are checked: "signed by FPR (label)" or
 * "unsigned" per reply; a signature by a key outside the keyring is a problem (exit 2). Without
 * it a signature is only noted as present and unchecked.
 * Bundles are built here entry by entry in the exact layout the server writes.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { PublicKey } from "openpgp";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FORMAT, type BundleIndex } from "~/bundle/index-schema";
import { createWitnessKey, readWitnessPublicKey } from "~/codename/witness-key";
import { THREAD_FORMAT, type ThreadIndex } from "~/contact/format";
import { encryptReply } from "~/contact/reply";
import { randomBytes, toHex } from "~/envelope/hex";
import { runTestigo } from "../support/cli";
import { makeEditorKey, writeSignedKeyring, type TestEditorKey, type WrittenKeyring } from "../support/keys";
import { buildSubmission, newSubmissionId, type BuiltSubmission } from "../support/submission";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

interface Reply {
  id: string;
  day: string;
  bytes: Uint8Array;
  /** What thread.json says of it (defaults: the real size and hash). */
  listed?: { size: number; sha256: string };
  /** Listed in thread.json but left out of the bundle. */
  absent?: boolean;
}

interface ThreadFixture {
  root: BuiltSubmission;
  rootDay: string;
  followUps: { sub: BuiltSubmission; day: string }[];
  witnessKey: Uint8Array | null;
  replies: Reply[];
  /** Replies in the bundle that thread.json does not list. */
  unlisted?: Reply[];
}

function indexOf(sub: BuiltSubmission, day: string, thread?: string): BundleIndex {
  return {
    format: BUNDLE_FORMAT,
    submission: sub.id,
    day,
    ...(thread !== undefined ? { thread } : {}),
    parts: sub.parts.map((p) => ({ name: p.name, size: p.bytes.length, sha256: sha256(p.bytes) })),
  };
}

/** The layout of server/export/thread-bundle.ts. */
async function writeThreadBundle(file: string, t: ThreadFixture): Promise<void> {
  const tar = pack();
  const entries: [string, Uint8Array][] = [];
  const json = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);
  entries.push([`${t.root.id}/index.json`, json(indexOf(t.root, t.rootDay))]);
  for (const p of t.root.parts) entries.push([`${t.root.id}/${p.name}`, p.bytes]);
  const index: ThreadIndex = {
    format: THREAD_FORMAT,
    thread: t.root.id,
    followUps: t.followUps.map((f) => ({ id: f.sub.id, day: f.day })),
    replies: t.replies.map((r) => ({ id: r.id, day: r.day, size: r.listed?.size ?? r.bytes.length, sha256: r.listed?.sha256 ?? sha256(r.bytes) })),
    witnessKey: t.witnessKey ? "witness-key.pgp" : null,
  };
  entries.push([`${t.root.id}/thread.json`, json(index)]);
  if (t.witnessKey) entries.push([`${t.root.id}/witness-key.pgp`, t.witnessKey]);
  for (const r of [...t.replies, ...(t.unlisted ?? [])]) if (!r.absent) entries.push([`${t.root.id}/replies/${r.id}.pgp`, r.bytes]);
  for (const f of t.followUps) {
    entries.push([`${f.sub.id}/index.json`, json(indexOf(f.sub, f.day, t.root.id))]);
    for (const p of f.sub.parts) entries.push([`${f.sub.id}/${p.name}`, p.bytes]);
  }
  for (const [name, data] of entries) tar.entry({ name, size: data.length, mtime: new Date(0) }, Buffer.from(data));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar) if (c instanceof Uint8Array) chunks.push(Buffer.from(c));
  await writeFile(file, Buffer.concat(chunks));
}

let work: string;
let editor: TestEditorKey;
let keyFile: string;
let witnessPublic: PublicKey;
let witnessKeyBytes: Uint8Array;
const TEXTS = ["¿Está a salvo? Podemos hablar por aquí.", "Gracias por las actas. ¿Tiene fotos de la mesa 4?"];

async function reply(thread: string, text: string, day: string): Promise<Reply> {
  return { id: toHex(randomBytes(16)), day, bytes: await encryptReply({ thread, text, witnessKey: witnessPublic, editorKeys: [editor.publicKey] }) };
}

async function decrypt(bundle: string, out: string) {
  const result = await runTestigo(["decrypt", bundle, "--key", keyFile, "--out", out]);
  expect(result.out).not.toContain("NETWORK-ATTEMPT");
  return result;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-decrypt-thread-"));
  editor = await makeEditorKey("Ana");
  keyFile = path.join(work, "editor-secret.asc");
  await writeFile(keyFile, editor.armoredPrivate, { mode: 0o600 });
  const witness = await createWitnessKey("a passphrase the codename derives");
  witnessKeyBytes = witness.publicKey;
  witnessPublic = await readWitnessPublicKey(witness.publicKey);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function rootAndFollowUp(followUpThread?: string) {
  const root = await buildSubmission({
    recipients: [editor.publicKey],
    files: [{ name: "acta.jpg", type: "image/jpeg", data: randomBytes(40_000) }],
    report: { what: "Acta alterada en la mesa 3" },
  });
  const note = new TextEncoder().encode("la mesa 4 también");
  const followUp = await buildSubmission({
    recipients: [editor.publicKey],
    files: [{ name: "nota.txt", type: "text/plain", data: note }],
    report: { what: "Más material" },
    thread: followUpThread ?? root.id,
  });
  return { root, followUp, note };
}

describe("testigo decrypt of a thread bundle", () => {
  it("decrypts the root, the follow-up and both replies, and names them in report.md and verification.txt", async () => {
    const { root, followUp, note } = await rootAndFollowUp();
    const replies = [await reply(root.id, TEXTS[0]!, "2026-11-20"), await reply(root.id, TEXTS[1]!, "2026-11-22")];
    const bundle = path.join(work, "good.tar");
    await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [{ sub: followUp, day: "2026-11-21" }], witnessKey: witnessKeyBytes, replies });
    const out = path.join(work, "good");
    const result = await decrypt(bundle, out);
    expect(result.code, result.out).toBe(0);
    expect((await readdir(out)).sort()).toEqual([root.id, followUp.id].sort());

    const rootDir = path.join(out, root.id);
    expect((await readdir(rootDir)).sort()).toEqual(["01-acta.jpg", "replies", "report.md", "verification.txt"]);
    expect(await readdir(path.join(rootDir, "replies"))).toEqual(["01-2026-11-20.txt", "02-2026-11-22.txt"]);
    expect(await readFile(path.join(rootDir, "replies", "01-2026-11-20.txt"), "utf8")).toBe(TEXTS[0]);
    expect(await readFile(path.join(rootDir, "replies", "02-2026-11-22.txt"), "utf8")).toBe(TEXTS[1]);

    const report = await readFile(path.join(rootDir, "report.md"), "utf8");
    expect(report).toContain("## Follow-ups");
    expect(report).toContain(followUp.id);
    expect(report).toContain("## Replies");
    expect(report).toContain("replies/02-2026-11-22.txt");
    const verification = await readFile(path.join(rootDir, "verification.txt"), "utf8");
    expect(verification).toContain("Overall: OK");
    expect(verification).toContain(`thread ${root.id}: OK`);
    expect(verification).toContain(`follow-up ${followUp.id} (2026-11-21)`);
    expect(verification).toContain(`reply 1: ${replies[0]!.id} (2026-11-20)`);
    expect(verification).toContain(`witness key: ${witnessPublic.getFingerprint().toUpperCase()}`);

    const followDir = path.join(out, followUp.id);
    expect(new Uint8Array(await readFile(path.join(followDir, "01-nota.txt")))).toEqual(note);
    expect(await readFile(path.join(followDir, "report.md"), "utf8")).toContain(`names thread ${root.id}`);
    expect(await readFile(path.join(followDir, "verification.txt"), "utf8")).toContain("Overall: OK");
  });

  it("a follow-up whose manifest names another thread than the bundle says: exit 2, named in its verification.txt", async () => {
    const other = newSubmissionId();
    const { root, followUp } = await rootAndFollowUp(other);
    const bundle = path.join(work, "relinked.tar");
    await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [{ sub: followUp, day: "2026-11-21" }], witnessKey: witnessKeyBytes, replies: [] });
    const out = path.join(work, "relinked");
    const result = await decrypt(bundle, out);
    expect(result.code, result.out).toBe(2);
    expect(result.out).toContain(`${followUp.id}: PROBLEMS`);
    const verification = await readFile(path.join(out, followUp.id, "verification.txt"), "utf8");
    expect(verification).toContain("PROBLEMS FOUND");
    expect(verification).toContain(`links this submission to thread ${root.id}, but the witness's manifest names thread ${other}`);
    // The root itself is fine.
    expect(await readFile(path.join(out, root.id, "verification.txt"), "utf8")).toContain("Overall: OK");
  });

  it("a follow-up whose manifest names no thread at all (the server linked it): exit 2", async () => {
    const { root } = await rootAndFollowUp();
    const loose = await buildSubmission({ recipients: [editor.publicKey], files: [], report: { what: "otra cosa" } });
    const bundle = path.join(work, "loose.tar");
    await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [{ sub: loose, day: "2026-11-21" }], witnessKey: witnessKeyBytes, replies: [] });
    const out = path.join(work, "loose");
    const result = await decrypt(bundle, out);
    expect(result.code, result.out).toBe(2);
    expect(await readFile(path.join(out, loose.id, "verification.txt"), "utf8")).toContain("the witness's manifest names no thread");
  });

  it("a tampered reply, a missing one and one not in thread.json are reported; only the intact one is written", async () => {
    const { root, followUp } = await rootAndFollowUp();
    const good = await reply(root.id, TEXTS[0]!, "2026-11-20");
    const tampered = await reply(root.id, TEXTS[1]!, "2026-11-22");
    const listedSha = sha256(tampered.bytes);
    const altered = new Uint8Array(tampered.bytes);
    const at = altered.length - 30;
    altered[at] = (altered[at] ?? 0) ^ 0x01;
    const missing = await reply(root.id, "nunca llegó", "2026-11-23");
    const extra = await reply(root.id, "colada", "2026-11-24");
    const bundle = path.join(work, "tampered.tar");
    await writeThreadBundle(bundle, {
      root,
      rootDay: "2026-11-19",
      followUps: [{ sub: followUp, day: "2026-11-21" }],
      witnessKey: witnessKeyBytes,
      replies: [good, { ...tampered, bytes: altered, listed: { size: altered.length, sha256: listedSha } }, { ...missing, absent: true }],
      unlisted: [extra],
    });
    const out = path.join(work, "tampered");
    const result = await decrypt(bundle, out);
    expect(result.code, result.out).toBe(2);
    expect(result.out).toContain(`replies/${tampered.id}.pgp: altered`);
    const rootDir = path.join(out, root.id);
    expect(await readdir(path.join(rootDir, "replies"))).toEqual(["01-2026-11-20.txt"]);
    const verification = await readFile(path.join(rootDir, "verification.txt"), "utf8");
    expect(verification).toContain("PROBLEMS FOUND");
    expect(verification).toContain(`replies/${tampered.id}.pgp: altered (SHA-256 differs from thread.json)`);
    expect(verification).toContain(`replies/${missing.id}.pgp: listed in thread.json but missing from the bundle`);
    expect(verification).toContain(`replies/${extra.id}.pgp: in the bundle but not listed in thread.json`);
    expect(await readFile(path.join(rootDir, "replies", "01-2026-11-20.txt"), "utf8")).toBe(TEXTS[0]);
  });

  it("a reply moved here from another thread is refused (its literal name binds it to its thread)", async () => {
    const { root } = await rootAndFollowUp();
    const foreign = await reply(newSubmissionId(), "para otro testigo", "2026-11-20");
    const bundle = path.join(work, "foreign.tar");
    await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [], witnessKey: witnessKeyBytes, replies: [foreign] });
    const out = path.join(work, "foreign");
    const result = await decrypt(bundle, out);
    expect(result.code, result.out).toBe(2);
    expect(await readFile(path.join(out, root.id, "verification.txt"), "utf8")).toContain(`replies/${foreign.id}.pgp: cannot be decrypted or belongs elsewhere`);
    expect(await readdir(path.join(out, root.id, "replies"))).toEqual([]);
  });

  describe("reply signatures", () => {
    let keyring: WrittenKeyring;
    beforeAll(async () => {
      keyring = await writeSignedKeyring(path.join(work, "keys"), { editors: [{ key: editor, status: "active" }] });
    });
    const signedReply = async (thread: string, text: string, day: string, signer: TestEditorKey): Promise<Reply> => ({
      id: toHex(randomBytes(16)),
      day,
      bytes: await encryptReply({ thread, text, witnessKey: witnessPublic, editorKeys: [editor.publicKey], signingKey: signer.privateKey }),
    });

    it("with --keys: 'signed by FPR (label)' or 'unsigned' per reply, in verification.txt and report.md", async () => {
      const { root, followUp } = await rootAndFollowUp();
      const replies = [await signedReply(root.id, TEXTS[0]!, "2026-11-20", editor), await reply(root.id, TEXTS[1]!, "2026-11-22")];
      const bundle = path.join(work, "signed.tar");
      await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [{ sub: followUp, day: "2026-11-21" }], witnessKey: witnessKeyBytes, replies });
      const out = path.join(work, "signed");
      const result = await runTestigo(["decrypt", bundle, "--key", keyFile, "--out", out, "--keys", keyring.dir, "--root-fingerprint", keyring.rootFingerprint]);
      expect(result.out).not.toContain("NETWORK-ATTEMPT");
      expect(result.code, result.out).toBe(0);
      const label = keyring.document.keys[0]!.label;
      const signedBy = `signed by ${editor.fingerprint.toUpperCase()} (${label})`;
      const verification = await readFile(path.join(out, root.id, "verification.txt"), "utf8");
      expect(verification).toContain(`  signature: ${signedBy}`);
      expect(verification).toContain("  signature: unsigned");
      const report = await readFile(path.join(out, root.id, "report.md"), "utf8");
      expect(report).toContain(`replies/01-2026-11-20.txt; ${signedBy}`);
      expect(report).toContain("replies/02-2026-11-22.txt; unsigned");
      expect(result.out).toContain(`reply 1: ${signedBy}`);
    });

    it("without --keys: the signature is noted as present, not checked", async () => {
      const { root } = await rootAndFollowUp();
      const bundle = path.join(work, "signed-unchecked.tar");
      await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [], witnessKey: witnessKeyBytes, replies: [await signedReply(root.id, TEXTS[0]!, "2026-11-20", editor)] });
      const out = path.join(work, "signed-unchecked");
      const result = await decrypt(bundle, out);
      expect(result.code, result.out).toBe(0);
      expect(await readFile(path.join(out, root.id, "verification.txt"), "utf8")).toContain("signature present, not checked (pass --keys)");
    });

    it("with --keys: a reply signed by a key outside the keyring is a verification problem (exit 2) and is not written", async () => {
      const { root } = await rootAndFollowUp();
      const stranger = await makeEditorKey("Mallory");
      const forged = await signedReply(root.id, "Mándenos su dirección.", "2026-11-20", stranger);
      const bundle = path.join(work, "signed-stranger.tar");
      await writeThreadBundle(bundle, { root, rootDay: "2026-11-19", followUps: [], witnessKey: witnessKeyBytes, replies: [forged] });
      const out = path.join(work, "signed-stranger");
      const result = await runTestigo(["decrypt", bundle, "--key", keyFile, "--out", out, "--keys", keyring.dir]);
      expect(result.code, result.out).toBe(2);
      const verification = await readFile(path.join(out, root.id, "verification.txt"), "utf8");
      expect(verification).toContain("PROBLEMS FOUND");
      expect(verification).toMatch(/signature does not verify|not among the editors' keys/);
      expect(await readdir(path.join(out, root.id, "replies"))).toEqual([]);
    });
  });
});
