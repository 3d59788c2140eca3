/**
 * Threat: someone who knows a submission id (seized phone, shoulder-surfing the receipt) or who
 * races the witness's own retries tries to replace, add or delete parts, or to write outside the
 * blob store. First write wins, byte for byte; racing writers cannot both win; nothing escapes
 * dataDir/blobs/<id>/.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PublicKey } from "openpgp";
import { randomBytes } from "~/envelope/hex";
import { listFiles, rawRequest } from "../support/portal";
import { buildSubmission, fetchRecipients, getStatus, putPart, seal, sha256Node, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { expectApiError, queryDb, readBlob, withPortal } from "./helpers/fixture";

const portal = withPortal();
let recipients: PublicKey[];

beforeAll(async () => {
  recipients = (await fetchRecipients(portal().witnessUrl)).recipients;
});

const build = (id?: string): Promise<BuiltSubmission> =>
  buildSubmission({ recipients, id, chunkSize: 4096, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(5000) }] });

function bytesOf(sub: BuiltSubmission, name: string): Uint8Array {
  return sub.parts.find((p) => p.name === name)!.bytes;
}

describe("racing writers", () => {
  it("concurrent different bytes for one new part: exactly one 201, the rest 409, the winner is what is stored", async () => {
    const witness = await build();
    // Eight rival versions of every part of the same submission (same id, fresh keys).
    const rivals = [witness, ...(await Promise.all(Array.from({ length: 7 }, () => build(witness.id))))];
    for (const name of ["header-0", "chunk-0-0", "manifest"]) {
      const results = await Promise.all(
        rivals.map(async (r) => {
          const res = await putPart(portal().witnessUrl, witness.id, name, bytesOf(r, name));
          return { status: res.status, bytes: bytesOf(r, name) };
        }),
      );
      const winners = results.filter((r) => r.status === 201);
      expect(winners, name).toHaveLength(1);
      expect(results.filter((r) => r.status === 409), name).toHaveLength(rivals.length - 1);
      expect(await readBlob(portal().dataDir, witness.id, name)).toEqual(winners[0]!.bytes);
      const stored = (await getStatus(portal().witnessUrl, witness.id))?.parts.find((p) => p.name === name);
      expect(stored?.sha256).toBe(sha256Node(winners[0]!.bytes));
    }
    expect(await listFiles(path.join(portal().dataDir, "tmp"))).toEqual([]);
  });

  it("concurrent identical bytes: one 201, the rest 200, one row and one file", async () => {
    const sub = await build();
    const header = bytesOf(sub, "header-0");
    const statuses = await Promise.all(Array.from({ length: 12 }, async () => (await putPart(portal().witnessUrl, sub.id, "header-0", header)).status));
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(11);
    expect(queryDb(portal().dataDir, "SELECT name, size FROM parts WHERE submission_id = ?", sub.id)).toEqual([{ name: "header-0", size: header.length }]);
    expect(queryDb(portal().dataDir, "SELECT total_bytes FROM submissions WHERE id = ?", sub.id)).toEqual([{ total_bytes: header.length }]);
    expect(await listFiles(path.join(portal().dataDir, "blobs", sub.id))).toEqual(["header-0"]);
  });

  it("a seal racing new parts: afterwards the submission is either sealed with exactly its parts, or open", async () => {
    const sub = await build();
    const other = await build(sub.id);
    const last = sub.parts[sub.parts.length - 1]!;
    for (const p of sub.parts.slice(0, -1)) await putPart(portal().witnessUrl, sub.id, p.name, p.bytes);
    // The last part, a seal, and an extra chunk from a rival, all at once.
    const [, sealRes] = await Promise.all([
      putPart(portal().witnessUrl, sub.id, last.name, last.bytes),
      seal(portal().witnessUrl, sub.id, sub.seal),
      putPart(portal().witnessUrl, sub.id, "chunk-0-7", bytesOf(other, "chunk-0-0")),
    ]);
    const status = await getStatus(portal().witnessUrl, sub.id);
    if (sealRes.status === 200) {
      expect(status?.sealed).toBe(true);
      expect(status?.parts.map((p) => p.name).sort()).toEqual(sub.parts.map((p) => p.name).sort());
    } else {
      expect(sealRes.status).toBe(409);
      expect(status?.sealed).toBe(false);
    }
  });
});

describe("after the fact", () => {
  it("a sealed submission cannot be replaced, extended or deleted", async () => {
    const sub = await build();
    await uploadAndSeal(portal().witnessUrl, sub);
    const forged = await build(sub.id);
    for (const p of forged.parts) await expectApiError(await putPart(portal().witnessUrl, sub.id, p.name, p.bytes), 409, "conflict");
    await expectApiError(await putPart(portal().witnessUrl, sub.id, "header-1", bytesOf(forged, "header-0")), 409, "conflict");
    for (const method of ["DELETE", "PATCH", "POST"]) {
      const res = await fetch(`${portal().witnessUrl}/api/v1/submissions/${sub.id}/parts/header-0`, { method });
      expect(res.status).toBe(404);
    }
    expect((await fetch(`${portal().witnessUrl}/api/v1/submissions/${sub.id}`, { method: "DELETE" })).status).toBe(404);
    // Re-sealing with another structure cannot shrink or grow what was sealed.
    await expectApiError(await seal(portal().witnessUrl, sub.id, { format: 1, files: [{ chunks: 1 }] }), 409, "conflict");
    for (const p of sub.parts) expect(await readBlob(portal().dataDir, sub.id, p.name)).toEqual(p.bytes);
    const status = await getStatus(portal().witnessUrl, sub.id);
    expect(status?.sealed).toBe(true);
    expect(status?.parts).toHaveLength(sub.parts.length);
  });

  it("encoded traversal in the id or part name never writes outside the blob store", async () => {
    const sub = await build();
    const header = bytesOf(sub, "header-0");
    const before = await listFiles(portal().dataDir);
    const targets = [
      `/api/v1/submissions/${sub.id}/parts/..%2F..%2Ftestigo.sqlite`,
      `/api/v1/submissions/${sub.id}/parts/%2e%2e%2f%2e%2e%2fpwned`,
      `/api/v1/submissions/${sub.id}/parts/header-0%2F..%2F..%2Fpwned`,
      `/api/v1/submissions/${sub.id}/parts/header-0%00`,
      `/api/v1/submissions/..%2F..%2Ftmp/parts/header-0`,
      `/api/v1/submissions/${sub.id}%2F..%2F..%2Fpwned/parts/header-0`,
      `/api/v1/submissions/${sub.id}/parts/header-0/..`,
      `/api/v1/submissions/${sub.id}/parts/..\\..\\pwned`,
    ];
    for (const target of targets) {
      const res = await rawRequest(portal().witnessUrl, { method: "PUT", path: target, headers: { "Content-Type": "application/octet-stream" }, body: header });
      expect(res.status, target).toBeGreaterThanOrEqual(400);
      expect(res.status, target).toBeLessThan(500);
    }
    expect(await listFiles(portal().dataDir)).toEqual(before);
  });
});
