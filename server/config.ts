/**
 * Configuration from the environment, validated once at start. Defaults are the embedded ones
 * `npm start` runs on; every limit is a setting, not a constant buried in a handler.
 */
import path from "node:path";
import { z } from "zod";
import { MAX_CHUNK_SIZE } from "../app/envelope/format";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const port = z.coerce.number().int().min(0).max(65535);
const bytes = z.coerce.number().int().min(1);

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  TESTIGO_DATA_DIR: z.string().min(1).default("data"),
  TESTIGO_KEYS_DIR: z.string().min(1).default("keys"),
  PORT: port.default(3000),
  EDITOR_PORT: port.default(3001),
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Pins the root key in production: a keyring signed by any other key is refused. */
  TESTIGO_ROOT_FINGERPRINT: z
    .string()
    .regex(/^[0-9A-Fa-f]{40}$/, "must be a 40-hex-digit v4 fingerprint")
    .transform((s) => s.toUpperCase())
    .optional(),
  /** One stored part (a chunk carries at most MAX_CHUNK_SIZE plaintext plus packet overhead). */
  TESTIGO_MAX_PART_BYTES: bytes.default(MAX_CHUNK_SIZE + 64 * 1024),
  /** The manifest lists every part's hash and the report; it may outgrow a chunk. */
  TESTIGO_MAX_MANIFEST_BYTES: bytes.default(64 * MiB),
  /** All parts of one submission together. */
  TESTIGO_MAX_SUBMISSION_BYTES: bytes.default(16 * GiB),
  /** Unsealed submissions (abandoned uploads) are removed after this many whole days. */
  TESTIGO_UNSEALED_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(2),
  /** Writes are refused (507) when less than this is free, so the database can always commit. */
  TESTIGO_MIN_FREE_BYTES: z.coerce.number().int().min(0).default(256 * MiB),
  /**
   * How long a replaced keyring version still accepts the remaining parts of submissions begun on
   * it (a slow upload over a link that drops for hours must not be stranded by a rotation). 0: none.
   */
  TESTIGO_KEYRING_GRACE_HOURS: z.coerce.number().min(0).max(24 * 30).default(24),
  /** Periodic re-read of the keys directory, for file systems where fs.watch misses events. */
  TESTIGO_KEYRING_CHECK_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(30),
  /**
   * Two-way contact (docs/adr/0007-two-way-contact.md): the proof of work every codename login
   * spends. Base bits while unknown codenames arrive slowly; one more bit per doubling of the
   * failures of the last minute beyond the free allowance, up to the ceiling. The ceiling is what
   * an attacker with enough CPU can push EVERY witness to, so it is set by the slowest witness:
   * 2^20 ≈ 1M hashes, about 4 to 7 s in Tor Browser "Safer" on this project's 2-core VM (Web
   * Crypto, no JIT; `npm run bench`) and tens of seconds on a cheap phone. 24 bits would be 16x
   * that: minutes per login, and over a minute on the VM alone without Web Crypto.
   */
  TESTIGO_CONTACT_POW_BASE_BITS: z.coerce.number().int().min(0).max(32).default(14),
  TESTIGO_CONTACT_POW_MAX_BITS: z.coerce.number().int().min(0).max(32).default(20),
  TESTIGO_CONTACT_FREE_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Every codename login takes at least this long, so found and not found look alike in time. */
  TESTIGO_CONTACT_FLOOR_MS: z.coerce.number().int().min(0).max(60_000).default(400),
});

export interface Config {
  production: boolean;
  dataDir: string;
  keysDir: string;
  witnessPort: number;
  editorPort: number;
  host: string;
  rootFingerprint: string | undefined;
  limits: {
    partBytes: number;
    manifestBytes: number;
    submissionBytes: number;
    minFreeBytes: number;
  };
  unsealedTtlDays: number;
  keyring: { graceMs: number; checkIntervalMs: number };
  contact: ContactSettings;
}

export interface ContactSettings {
  powBaseBits: number;
  powMaxBits: number;
  freeFailuresPerMinute: number;
  floorMs: number;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; message: string };

const CheckedEnvSchema = EnvSchema.refine((e) => e.PORT === 0 || e.PORT !== e.EDITOR_PORT, {
  path: ["EDITOR_PORT"],
  message: "must differ from PORT: the editor interface never listens on the witness port",
}).refine((e) => e.TESTIGO_CONTACT_POW_BASE_BITS <= e.TESTIGO_CONTACT_POW_MAX_BITS, {
  path: ["TESTIGO_CONTACT_POW_MAX_BITS"],
  message: "must be at least TESTIGO_CONTACT_POW_BASE_BITS",
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const parsed = CheckedEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    return { ok: false, message: `invalid configuration:\n${lines.join("\n")}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      production: e.NODE_ENV === "production",
      dataDir: path.resolve(e.TESTIGO_DATA_DIR),
      keysDir: path.resolve(e.TESTIGO_KEYS_DIR),
      witnessPort: e.PORT,
      editorPort: e.EDITOR_PORT,
      host: e.HOST,
      rootFingerprint: e.TESTIGO_ROOT_FINGERPRINT,
      limits: {
        partBytes: e.TESTIGO_MAX_PART_BYTES,
        manifestBytes: e.TESTIGO_MAX_MANIFEST_BYTES,
        submissionBytes: e.TESTIGO_MAX_SUBMISSION_BYTES,
        minFreeBytes: e.TESTIGO_MIN_FREE_BYTES,
      },
      unsealedTtlDays: e.TESTIGO_UNSEALED_TTL_DAYS,
      keyring: { graceMs: e.TESTIGO_KEYRING_GRACE_HOURS * 60 * 60 * 1000, checkIntervalMs: e.TESTIGO_KEYRING_CHECK_SECONDS * 1000 },
      contact: {
        powBaseBits: e.TESTIGO_CONTACT_POW_BASE_BITS,
        powMaxBits: e.TESTIGO_CONTACT_POW_MAX_BITS,
        freeFailuresPerMinute: e.TESTIGO_CONTACT_FREE_FAILURES_PER_MINUTE,
        floorMs: e.TESTIGO_CONTACT_FLOOR_MS,
      },
    },
  };
}
