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
    // Headers and manifest must name the keys of the version the submission started on while that
    // version is within its grace period: a rotation must not strand an upload in progress.
    const choice = this.keyrings.forSubmission(this.store.keyringVersionOf(id));
    const shape = await inspectPart(part, bytes, choice.keyring.encryptionKeyIds);
    if (!shape.ok) {
      const restart = choice.graceEnded
        ? `. This submission was started on keyring version ${choice.graceEnded.startedOn}, which has been replaced and whose grace period is over:` +
          ` start the submission again (a new submission, encrypted to the current keyring, version ${choice.version}).`
        : "";
      // Name the keys that are expected, not only the one that is wrong: a client on a stale
      // keyring learns from the answer which keys (e.g. a newly added editor) it left out.
      const expected =
        part.kind === "chunk" ? "" : ` (keyring version ${choice.version} expects exactly the editor encryption keys ${[...choice.keyring.encryptionKeyIds].sort().join(", ")})`;
      return { kind: "invalid", message: `${name}: ${shape.reason}${expected}${restart}` };
    }
    // The version recorded for a new submission is the one its first part was checked against.
    return this.store.put(id, name, bytes, sha256, choice.version);
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
