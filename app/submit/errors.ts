/**
 * Why a submission stopped, as a code the page translates. Isomorphic (no browser APIs) so the
 * message catalogue can be checked against the list in unit tests.
 */
export const SUBMIT_ERROR_CODES = [
  "nothing-to-send",
  "invalid-input",
  "no-webcrypto",
  "keyring-unavailable",
  "keyring-invalid",
  "file-unreadable",
  "rejected",
  "server-full",
  "conflict",
  "hash-mismatch",
  "unknown-codename",
  "internal",
] as const;
export type SubmitErrorCode = (typeof SUBMIT_ERROR_CODES)[number];

export class SubmitError extends Error {
  override name = "SubmitError";
  readonly code: SubmitErrorCode;
  /** Extra words for the witness or for a bug report: the server's message, a file's name. */
  readonly detail: string | null;

  constructor(code: SubmitErrorCode, message: string, detail: string | null = null) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

export function isAbortError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "name" in error && error.name === "AbortError";
}

/** Anything thrown, as a SubmitError; unknown failures become "internal" with their message. */
export function toSubmitError(error: unknown): SubmitError {
  if (error instanceof SubmitError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SubmitError("internal", message, message);
}
