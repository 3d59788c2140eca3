/**
 * The witness upload use cases: accept a part (shape check, limits, durable store), report what
 * is stored (the resume point), seal. Errors are values; the HTTP layer maps them to statuses.
 */
import { expectedParts, partName, type PartRef, type SealRequest, type SubmissionId } from "../../app/envelope/format";
import { inspectPart } from "../../app/envelope/inspect";
import type { KeyringStore } from "../keyring/keyring-store";
import { sha256Hex, type PutResult, type StoredPart, type SubmissionStore } from "../storage/submission-store";

export type AcceptResult = PutResult | { kind: "invalid"; message: string };

export class SubmissionService {
  constructor(
    private readonly store: SubmissionStore,
    private readonly keyrings: KeyringStore,
  ) {}

  async acceptPart(id: SubmissionId, part: PartRef, bytes: Uint8Array): Promise<AcceptResult> {
    const name = partName(part);
    const sha256 = sha256Hex(bytes);
    const early = this.store.precheck(id, name, bytes.length, sha256);
    if (early) return early;
    const shape = await inspectPart(part, bytes, this.keyrings.keyring.encryptionKeyIds);
    if (!shape.ok) return { kind: "invalid", message: `${name}: ${shape.reason}` };
    return this.store.put(id, name, bytes, sha256, this.keyrings.version);
  }

  status(id: SubmissionId): { id: string; sealed: boolean; parts: StoredPart[] } | null {
    const status = this.store.status(id);
    return status ? { id: status.id, sealed: status.sealed, parts: status.parts } : null;
  }

  seal(id: SubmissionId, request: SealRequest) {
    const wanted = new Set(expectedParts(request).map(partName));
    return this.store.seal(id, request.files.length, (status) => {
      const have = new Set(status.parts.map((p) => p.name));
      const missing = [...wanted].filter((n) => !have.has(n));
      const extra = [...have].filter((n) => !wanted.has(n));
      if (missing.length === 0 && extra.length === 0) return null;
      const describe = (label: string, names: string[]) =>
        names.length === 0 ? [] : [`${label}: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ` and ${names.length - 20} more` : ""}`];
      return `the stored parts do not match the declared structure (${[...describe("missing", missing), ...describe("unexpected", extra)].join("; ")})`;
    });
  }
}
