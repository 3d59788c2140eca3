import type { SubmissionId } from "~/envelope/format";
import { randomBytes, toHex } from "~/envelope/hex";

/** 128 random bits chosen here, so a retried part lands in the same submission and no other. */
export function newSubmissionId(): SubmissionId {
  return toHex(randomBytes(16));
}
