/**
 * The witness upload API against a real portal on loopback: the happy path end to end (what an
 * editor decrypts is what the witness sent), the resume point, idempotency, conflicts, sealing and
 * the 4xx answers for everything a client can get wrong.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PrivateKey, PublicKey } from "openpgp";
import { decryptChunk, decryptHeader, decryptManifest } from "~/envelope/decrypt";
import { encryptHeader, newSessionKey } from "~/envelope/encrypt";
import { randomBytes, toHex } from "~/envelope/hex";
import { headerContentSha256 } from "~/envelope/header-content";
import { listFiles } from "../support/portal";
import {
  SealResponseSchema,
  StoredPartSchema,
  buildSubmission,
  fetchRecipients,
  getStatus,
  newSubmissionId,
  putPart,
  readSecretKey,
  seal,
  sha256Node,
  uploadAndSeal,
  type BuiltSubmission,
} from "../support/submission";
import { expectApiError, expectNothingStored, queryDb, readBlob, withPortal } from "../security/helpers/fixture";

const portal = withPortal();
let recipients: PublicKey[];
let editorKey: PrivateKey;

beforeAll(async () => {
  recipients = (await fetchRecipients(portal().witnessUrl)).recipients;
  const secretPath = portal().demoSecretKeyPath;
  if (!secretPath) throw new Error("the demo portal did not print its demo secret key path");
  editorKey = await readSecretKey(secretPath);
});

const build = (files: { name: string; type: string; data: Uint8Array }[], chunkSize = 4096) =>
  buildSubmission({ recipients, files, chunkSize, report: { what: "informe de prueba" } });

const oneFile = () => build([{ name: "acta.jpg", type: "image/jpeg", data: randomBytes(6000) }]);

async function putAll(sub: BuiltSubmission, names?: readonly string[]): Promise<void> {
  for (const p of sub.parts) {
    if (names && !names.includes(p.name)) continue;
    const res = await putPart(portal().witnessUrl, sub.id, p.name, p.bytes);
    expect(res.status, `${p.name}: ${await res.clone().text()}`).toBe(201);
  }
}

function part(sub: BuiltSubmission, name: string): Uint8Array {
  const found = sub.parts.find((p) => p.name === name);
  if (!found) throw new Error(`no part ${name}`);
  return found.bytes;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("a complete submission", () => {
  it("is stored byte for byte, resumable, sealable, and decrypts to what the witness sent", async () => {
    const files = [
      { name: "acta-mesa-12.jpg", type: "image/jpeg", data: randomBytes(10_000) },
      { name: "video.mp4", type: "video/mp4", data: randomBytes(3_000) },
    ];
    const sub = await build(files);
    const { witnessUrl, dataDir } = portal();
    expect(await getStatus(witnessUrl, sub.id)).toBeNull();

    const half = Math.floor(sub.parts.length / 2);
    for (const [i, p] of sub.parts.entries()) {
      const res = await putPart(witnessUrl, sub.id, p.name, p.bytes);
      expect(res.status).toBe(201);
      expect(StoredPartSchema.parse(await res.json())).toEqual({ name: p.name, size: p.bytes.length, sha256: sha256Node(p.bytes) });
      if (i === half - 1) {
        // The resume point: exactly what was acknowledged so far, nothing sealed.
        const status = await getStatus(witnessUrl, sub.id);
        expect(status?.sealed).toBe(false);
        expect(status?.parts.map((x) => x.name).sort()).toEqual(sub.parts.slice(0, half).map((x) => x.name).sort());
      }
    }
    const sealed = await seal(witnessUrl, sub.id, sub.seal);
    expect(sealed.status).toBe(200);
    const body = SealResponseSchema.parse(await sealed.json());
    expect([today(), new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]).toContain(body.day);

    const status = await getStatus(witnessUrl, sub.id);
    expect(status).not.toBeNull();
    expect(status?.id).toBe(sub.id);
    expect(status?.sealed).toBe(true);
    expect(new Map(status?.parts.map((p) => [p.name, p]))).toEqual(
      new Map(sub.parts.map((p) => [p.name, { name: p.name, size: p.bytes.length, sha256: sha256Node(p.bytes) }])),
    );
    expect(await listFiles(path.join(dataDir, "blobs", sub.id))).toEqual(sub.parts.map((p) => p.name).sort());
    for (const p of sub.parts) expect(await readBlob(dataDir, sub.id, p.name)).toEqual(p.bytes);

    // The editor's side, from the server's disk: the manifest, then each file from its parts.
    const manifest = await decryptManifest({ bytes: await readBlob(dataDir, sub.id, "manifest"), keys: [editorKey], submissionId: sub.id });
    expect(manifest.report.what).toBe("informe de prueba");
    expect(manifest.files).toHaveLength(files.length);
    for (const [f, file] of files.entries()) {
      const header = await readBlob(dataDir, sub.id, `header-${f}`);
      // The manifest commits to the header's encrypted packet, which key rotation never rewraps.
      expect(manifest.files[f]?.parts.header).toBe(await headerContentSha256(header));
      const { chunkKey, description } = await decryptHeader({ bytes: header, keys: [editorKey], submissionId: sub.id, file: f });
      expect(description.name).toBe(file.name);
      const plain: Uint8Array[] = [];
      for (let c = 0; c < description.chunks; c++) {
        const bytes = await readBlob(dataDir, sub.id, `chunk-${f}-${c}`);
        expect(manifest.files[f]?.parts.chunks[c]).toBe(sha256Node(bytes));
        plain.push(await decryptChunk({ bytes, sessionKey: chunkKey, submissionId: sub.id, file: f, chunk: c }));
      }
      expect(Buffer.concat(plain).subarray(0, description.size)).toEqual(Buffer.from(file.data));
      expect(manifest.files[f]?.sha256).toBe(sha256Node(file.data));
    }
  });
});

describe("idempotency and conflicts", () => {
  it("the same part twice is 200 the second time, with one row and one file", async () => {
    const sub = await oneFile();
    const { witnessUrl, dataDir } = portal();
    const header = part(sub, "header-0");
    const first = await putPart(witnessUrl, sub.id, "header-0", header);
    expect(first.status).toBe(201);
    const firstBody = StoredPartSchema.parse(await first.json());
    const again = await putPart(witnessUrl, sub.id, "header-0", header);
    expect(again.status).toBe(200);
    expect(StoredPartSchema.parse(await again.json())).toEqual(firstBody);

    expect(queryDb(dataDir, "SELECT name FROM parts WHERE submission_id = ?", sub.id)).toEqual([{ name: "header-0" }]);
    expect(queryDb(dataDir, "SELECT total_bytes FROM submissions WHERE id = ?", sub.id)).toEqual([{ total_bytes: header.length }]);
    expect(await listFiles(path.join(dataDir, "blobs", sub.id))).toEqual(["header-0"]);
    expect(await listFiles(path.join(dataDir, "tmp"))).toEqual([]);
  });

  it("different bytes for a stored part are 409, and the stored bytes do not change", async () => {
    const sub = await oneFile();
    const other = await oneFile();
    const { witnessUrl, dataDir } = portal();
    await putAll(sub, ["header-0", "chunk-0-0"]);
    // Another valid header for the same place (fresh session key), and another valid chunk.
    const rival = await encryptHeader({
      description: { format: "testigo/1", submission: sub.id, file: 0, name: "x", type: "y", size: 1, paddedSize: 4096, chunkSize: 4096, chunks: 1, chunkKey: toHex(newSessionKey()) },
      sessionKey: newSessionKey(),
      recipients,
    });
    await expectApiError(await putPart(witnessUrl, sub.id, "header-0", rival), 409, "conflict");
    await expectApiError(await putPart(witnessUrl, sub.id, "chunk-0-0", part(other, "chunk-0-0")), 409, "conflict");
    expect(await readBlob(dataDir, sub.id, "header-0")).toEqual(part(sub, "header-0"));
    expect(await readBlob(dataDir, sub.id, "chunk-0-0")).toEqual(part(sub, "chunk-0-0"));
    const status = await getStatus(witnessUrl, sub.id);
    expect(status?.parts.find((p) => p.name === "header-0")?.sha256).toBe(sha256Node(part(sub, "header-0")));
    expect(await listFiles(path.join(dataDir, "tmp"))).toEqual([]);
  });

  it("a sealed submission: same bytes 200, different bytes 409, a new part 409", async () => {
    const sub = await oneFile();
    const other = await build([{ name: "b.jpg", type: "image/jpeg", data: randomBytes(6000) }, { name: "c.jpg", type: "image/jpeg", data: randomBytes(100) }]);
    const { witnessUrl, dataDir } = portal();
    await uploadAndSeal(witnessUrl, sub);
    const before = await getStatus(witnessUrl, sub.id);

    expect((await putPart(witnessUrl, sub.id, "manifest", part(sub, "manifest"))).status).toBe(200);
    await expectApiError(await putPart(witnessUrl, sub.id, "manifest", part(other, "manifest")), 409, "conflict");
    await expectApiError(await putPart(witnessUrl, sub.id, "chunk-0-0", part(other, "chunk-0-0")), 409, "conflict");
    // New parts cannot be slipped into a sealed submission (a second file, an extra chunk).
    await expectApiError(await putPart(witnessUrl, sub.id, "header-1", part(other, "header-1")), 409, "conflict");
    await expectApiError(await putPart(witnessUrl, sub.id, "chunk-0-9", part(other, "chunk-0-0")), 409, "conflict");

    expect(await getStatus(witnessUrl, sub.id)).toEqual(before);
    expect(await listFiles(path.join(dataDir, "blobs", sub.id))).toEqual(sub.parts.map((p) => p.name).sort());
    for (const p of sub.parts) expect(await readBlob(dataDir, sub.id, p.name)).toEqual(p.bytes);
  });
});

describe("sealing", () => {
  it("an unknown submission is 404 for GET and for seal", async () => {
    const id = newSubmissionId();
    const { witnessUrl } = portal();
    await expectApiError(await fetch(`${witnessUrl}/api/v1/submissions/${id}`), 404, "not_found");
    await expectApiError(await seal(witnessUrl, id, { format: 1, files: [{ chunks: 1 }] }), 404, "not_found");
    await expectNothingStored(portal(), id);
  });

  it("a missing part is 409, naming the part, and the submission stays open", async () => {
    const sub = await oneFile();
    const { witnessUrl } = portal();
    const missing = "chunk-0-1";
    await putAll(sub, sub.parts.map((p) => p.name).filter((n) => n !== missing));
    const error = await expectApiError(await seal(witnessUrl, sub.id, sub.seal), 409, "conflict");
    expect(error.message).toContain(missing);
    expect((await getStatus(witnessUrl, sub.id))?.sealed).toBe(false);
    // The missing manifest is named too.
    const noManifest = await oneFile();
    await putAll(noManifest, noManifest.parts.map((p) => p.name).filter((n) => n !== "manifest"));
    expect((await expectApiError(await seal(witnessUrl, noManifest.id, noManifest.seal), 409)).message).toContain("manifest");

    // Once the part arrives, the seal goes through.
    await putAll(sub, [missing]);
    expect((await seal(witnessUrl, sub.id, sub.seal)).status).toBe(200);
  });

  it("a part the declared structure does not have is 409, naming it", async () => {
    const sub = await oneFile();
    const { witnessUrl } = portal();
    await putAll(sub);
    // Claim one chunk fewer than uploaded: the last chunk is then unexpected.
    const chunks = sub.seal.files[0]!.chunks;
    const error = await expectApiError(await seal(witnessUrl, sub.id, { format: 1, files: [{ chunks: chunks - 1 }] }), 409, "conflict");
    expect(error.message).toContain(`chunk-0-${chunks - 1}`);
    // Claim a second file that was never uploaded.
    const error2 = await expectApiError(await seal(witnessUrl, sub.id, { format: 1, files: [{ chunks }, { chunks: 1 }] }), 409, "conflict");
    expect(error2.message).toContain("header-1");
    expect((await getStatus(witnessUrl, sub.id))?.sealed).toBe(false);
  });

  it("sealing twice is 200 both times with the same day", async () => {
    const sub = await oneFile();
    const { witnessUrl } = portal();
    await putAll(sub);
    const first = SealResponseSchema.parse(await (await seal(witnessUrl, sub.id, sub.seal)).json());
    const second = await seal(witnessUrl, sub.id, sub.seal);
    expect(second.status).toBe(200);
    expect(SealResponseSchema.parse(await second.json())).toEqual(first);
    expect((await getStatus(witnessUrl, sub.id))?.sealed).toBe(true);
  });

  it("a malformed seal request is 422 (or 400 for unreadable JSON) and seals nothing", async () => {
    const sub = await oneFile();
    const { witnessUrl } = portal();
    await putAll(sub);
    const chunks = sub.seal.files[0]!.chunks;
    for (const body of [
      {},
      { format: 2, files: [{ chunks }] },
      { format: "1", files: [{ chunks }] },
      { format: 1, files: [{ chunks: 0 }] },
      { format: 1, files: [{ chunks: -1 }] },
      { format: 1, files: [{ chunks: 1.5 }] },
      { format: 1, files: [{ chunks, name: "acta.jpg" }] },
      { format: 1, files: [{ chunks }], report: "plaintext" },
      { format: 1, files: "all" },
      [1, 2, 3],
    ]) {
      await expectApiError(await seal(witnessUrl, sub.id, body), 422, "unprocessable");
    }
    const broken = await fetch(`${witnessUrl}/api/v1/submissions/${sub.id}/seal`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"format":1,"files":[{"chunks":',
    });
    await expectApiError(broken, 400, "bad_request");
    expect((await getStatus(witnessUrl, sub.id))?.sealed).toBe(false);
  });
});

describe("bad addresses and bodies", () => {
  it("malformed submission ids and part names are 404 and store nothing", async () => {
    const sub = await oneFile();
    const { witnessUrl, dataDir } = portal();
    const header = part(sub, "header-0");
    for (const id of [sub.id.toUpperCase(), sub.id.slice(1), `${sub.id}0`, "g".repeat(32), "..", "%2e%2e", `${sub.id.slice(0, 31)}%00`]) {
      await expectApiError(await putPart(witnessUrl, id, "header-0", header), 404, "not_found");
      await expectApiError(await fetch(`${witnessUrl}/api/v1/submissions/${id}`), 404);
    }
    for (const name of ["header", "header-", "header-01", "header-1000", "chunk-0", "chunk-0-01", "chunk-x-0", "manifest2", "Manifest", "HEADER-0", "..", "%2e%2e", "header-0.asc"]) {
      await expectApiError(await putPart(witnessUrl, sub.id, name, header), 404, "not_found");
    }
    await expectNothingStored(portal(), sub.id);
    expect(await listFiles(path.join(dataDir, "blobs"))).toEqual(expect.not.arrayContaining([expect.stringMatching(/^\.\.|%/)]));
  });

  it("a part without Content-Type: application/octet-stream is 415 and stores nothing", async () => {
    const sub = await oneFile();
    const { witnessUrl } = portal();
    const header = part(sub, "header-0");
    for (const type of ["text/plain", "application/json", "application/pgp-encrypted", "image/jpeg", "application/octet-streamx"]) {
      await expectApiError(await putPart(witnessUrl, sub.id, "header-0", header, type), 415, "unsupported_media_type");
    }
    const untyped = await fetch(`${witnessUrl}/api/v1/submissions/${sub.id}/parts/header-0`, { method: "PUT", body: new Blob([new Uint8Array(header)]) });
    await expectApiError(untyped, 415, "unsupported_media_type");
    await expectNothingStored(portal(), sub.id);
    // With parameters the media type is still octet-stream.
    expect((await putPart(witnessUrl, sub.id, "header-0", header, "application/octet-stream; charset=binary")).status).toBe(201);
  });

  it("unknown API paths and methods answer with the JSON error shape", async () => {
    const { witnessUrl } = portal();
    const id = newSubmissionId();
    await expectApiError(await fetch(`${witnessUrl}/api/v1/nothing-here`), 404, "not_found");
    await expectApiError(await fetch(`${witnessUrl}/api/v2/keyring`), 404, "not_found");
    await expectApiError(await fetch(`${witnessUrl}/api/v1/submissions/${id}`, { method: "DELETE" }), 404);
    await expectApiError(await fetch(`${witnessUrl}/api/v1/submissions/${id}/parts/header-0`, { method: "GET" }), 404);
    await expectApiError(await fetch(`${witnessUrl}/api/v1/submissions/${id}/parts/header-0`, { method: "POST", body: "x" }), 404);
    await expectApiError(await fetch(`${witnessUrl}/api/v1/submissions`, { method: "GET" }), 404);
  });
});
