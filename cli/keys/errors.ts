/**
 * How `testigo keys` reports failure. A refusal (policy, signature, version) exits 2, as main.ts
 * reserves 2 for "verification found problems"; usage and I/O errors exit 1.
 */
export class KeysError extends Error {
  override name = "KeysError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export function refuse(message: string): KeysError {
  return new KeysError(message, 2);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True for a Node file-system error with this code (ENOENT, EEXIST...). */
export function isFsError(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
