/**
 * import-rewrap killed between replacing a header file and committing its row leaves the new
 * bytes on disk and the old hash in the database. Running the same import again must finish the
 * job (not refuse because the backup exists), and a backup that is not the committed header must
 * still be refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { link, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { encryptSessionKey } from "openpgp";
import { recoverSessionKey } from "~/envelope/decrypt";
import { encryptedPacketOf } from "~/envelope/header-content";
import { openDb, type Db } from "../../server/storage/db";
import { SubmissionStore, preRewrapName, sha256Hex } from "../../server/storage/submission-store";
import { makeEditorKey, type TestEditorKey } from "../support/keys";
import { buildSubmission, type BuiltSubmission } from "../support/submission";

let dir: string;
let db: Db;
let store: SubmissionStore;
let a: TestEditorKey;
let b: TestEditorKey;

async function sealed(): Promise<BuiltSubmission> {
  const sub = await buildSubmission({ recipients: [a.publicKey], files: [{ name: "acta.jpg", type: "image/jpeg", data: new Uint8Array(5000).fill(7) }] });
  for (const p of sub.parts) {
    const r = await store.put(sub.id, p.name, p.bytes, sha256Hex(p.bytes), 1);
    expect(r.kind).toBe("stored");
  }
  expect((await store.seal(sub.id, 1, () => null)).kind).toBe("sealed");
  return sub;
}

async function rewrapToB(header: Uint8Array): Promise<Uint8Array> {
  const sessionKey = await recoverSessionKey(header, [a.privateKey]);
  const pkesk = await encryptSessionKey({ data: sessionKey, algorithm: "aes256", encryptionKeys: b.publicKey, format: "binary" });
  const seipd = encryptedPacketOf(header);
  if (!seipd.ok) throw new Error(seipd.reason);
  return new Uint8Array(Buffer.concat([pkesk, seipd.bytes]));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "testigo-rewrap-crash-"));
  db = openDb(path.join(dir, "testigo.sqlite"));
  store = new SubmissionStore(db, dir, { submissionBytes: 1 << 30, minFreeBytes: 0 });
  await store.recover();
  [a, b] = await Promise.all([makeEditorKey("A"), makeEditorKey("B")]);
});

afterAll(async () => {
  db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("import-rewrap after a crash before its commit", () => {
  it("re-running the same import repairs the part", async () => {
    const sub = await sealed();
    const old = sub.parts.find((p) => p.name === "header-0")!.bytes;
    const rewrapped = await rewrapToB(old);
    const final = store.partPath(sub.id, "header-0");
    // The state a kill -9 leaves: backup linked, new file renamed into place, row not updated.
    await link(final, store.partPath(sub.id, preRewrapName("header-0", 1)));
    // A new inode renamed over the part, as the import does (writing in place would change the
    // hard-linked backup too).
    await writeFile(`${final}.new`, rewrapped);
    await rename(`${final}.new`, final);

    const outcome = await store.replaceKeyedPart({ id: sub.id, name: "header-0", data: rewrapped, check: async () => null });
    expect(outcome.kind).toBe("replaced");
    expect(store.status(sub.id)!.parts.find((p) => p.name === "header-0")!.sha256).toBe(sha256Hex(rewrapped));
    expect(new Uint8Array(await readFile(final))).toEqual(rewrapped);
    expect(new Uint8Array(await readFile(store.partPath(sub.id, preRewrapName("header-0", 1))))).toEqual(old);
  });

  it("a backup that is not the committed header is still refused", async () => {
    const sub = await sealed();
    const old = sub.parts.find((p) => p.name === "header-0")!.bytes;
    await writeFile(store.partPath(sub.id, preRewrapName("header-0", 1)), new Uint8Array([1, 2, 3]));
    const outcome = await store.replaceKeyedPart({ id: sub.id, name: "header-0", data: await rewrapToB(old), check: async () => null });
    expect(outcome.kind).toBe("refused");
    expect(store.status(sub.id)!.parts.find((p) => p.name === "header-0")!.sha256).toBe(sha256Hex(old));
  });
});
