/**
 * Editor passwords: policy, Argon2id hashing, and verification with bounded concurrency.
 */
import { hash, verify, type Options } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";

export const MIN_PASSWORD_CHARS = 12;
/** Longer input is refused before hashing: Argon2 cost does not depend on it, but parsing does. */
export const MAX_PASSWORD_BYTES = 1024;

/**
 * Argon2id (the library's default algorithm; hashPassword checks the encoded result says so),
 * 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended setting (it uses 4 lanes, we use one so
 * a login occupies one thread). Stronger than OWASP's 19 MiB/t=2 floor because a seized server
 * gives the adversary both these hashes and the TOTP secrets (docs/adr/0005), so the password is
 * all that stands between an image of the disk and an editor's login. About 150 ms per login on
 * the reference machine; editors are few and log in rarely.
 */
const ARGON2: Options = { memoryCost: 64 * 1024, timeCost: 3, parallelism: 1, outputLen: 32 };

/** NFC: the same password typed on macOS, Linux or a phone must give the same bytes. */
export function normalizePassword(password: string): string {
  return password.normalize("NFC");
}

export function passwordTooLong(password: string): boolean {
  return Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  const normalized = normalizePassword(password);
  if ([...normalized].length < MIN_PASSWORD_CHARS) return `the password must have at least ${MIN_PASSWORD_CHARS} characters`;
  if (passwordTooLong(normalized)) return `the password must not exceed ${MAX_PASSWORD_BYTES} bytes`;
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  const encoded = await hash(normalizePassword(password), ARGON2);
  if (!encoded.startsWith("$argon2id$")) throw new Error("the Argon2 library did not produce an Argon2id hash");
  return encoded;
}

/** A counting semaphore: at most `limit` holders, the rest wait in order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Verifies passwords. Argon2 runs on libuv's thread pool, which the blob store's file I/O also
 * uses: at most two verifications at a time, so a flood of logins cannot stall witness uploads.
 * `verifyUnknown` hashes against a throwaway hash so that an unknown name costs the same time as
 * a wrong password.
 */
export class PasswordVerifier {
  private readonly gate = new Semaphore(2);

  private constructor(private readonly dummyHash: string) {}

  static async create(): Promise<PasswordVerifier> {
    return new PasswordVerifier(await hashPassword(randomBytes(32).toString("base64url")));
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    return this.gate.run(async () => {
      try {
        return await verify(encoded, normalizePassword(password));
      } catch {
        // A malformed stored hash is a failed login, never a crash of the request.
        return false;
      }
    });
  }

  async verifyUnknown(password: string): Promise<void> {
    await this.verify(this.dummyHash, password);
  }
}
