/**
 * Key policy as code: the one definition of an acceptable editor (or root) key, applied wherever a
 * key is read (server start, `testigo keys add`, the witness's browser before it encrypts).
 */
import type { PublicKey, Subkey } from "openpgp";
import { fullPgpConfig } from "../envelope/pgp-config";

/** A key expiring sooner than this is accepted with a warning, so staff rotate it in time. */
export const EXPIRY_WARNING_DAYS = 30;

export type PolicyResult =
  | { ok: true; warnings: string[]; encryptionKeyId: string | null }
  | { ok: false; rule: string; reason: string };

type AlgorithmInfo = ReturnType<PublicKey["getAlgorithmInfo"]>;

function algorithmProblem(info: AlgorithmInfo, purpose: "sign" | "encrypt"): string | null {
  if (info.algorithm === "rsaEncryptSign" || info.algorithm === "rsaSign" || info.algorithm === "rsaEncrypt") {
    return (info.bits ?? 0) >= 3072 ? null : `RSA keys need at least 3072 bits, this one has ${info.bits ?? "unknown"}`;
  }
  if (purpose === "sign" && info.algorithm === "eddsaLegacy" && info.curve === "ed25519Legacy") return null;
  if (purpose === "encrypt" && info.algorithm === "ecdh" && info.curve === "curve25519Legacy") return null;
  const wanted = purpose === "sign" ? "Ed25519 (or RSA >= 3072)" : "Curve25519 (or RSA >= 3072)";
  return `algorithm ${info.algorithm}${info.curve ? `/${info.curve}` : ""} is not allowed; ${purpose === "sign" ? "primary" : "encryption"} keys must be ${wanted}`;
}

export async function checkKeyPolicy(
  key: PublicKey,
  options: { now?: Date; needsEncryption: boolean },
): Promise<PolicyResult> {
  const now = options.now ?? new Date();
  const fpr = key.getFingerprint().toUpperCase();
  const fail = (rule: string, reason: string): PolicyResult => ({ ok: false, rule, reason: `key ${fpr}: ${reason}` });

  if (key.keyPacket.version !== 4) {
    return fail("v4-only", `is a v${key.keyPacket.version} key; only v4 keys are readable by GnuPG 2.2`);
  }
  const primaryProblem = algorithmProblem(key.getAlgorithmInfo(), "sign");
  if (primaryProblem) return fail("algorithm", primaryProblem);
  if (await key.isRevoked(undefined, undefined, now, fullPgpConfig)) return fail("not-revoked", "is revoked");
  const expiry = await key.getExpirationTime(undefined, fullPgpConfig);
  if (expiry instanceof Date && expiry.getTime() <= now.getTime()) {
    return fail("not-expired", `expired on ${expiry.toISOString().slice(0, 10)}`);
  }
  const warnings: string[] = [];
  if (expiry instanceof Date && expiry.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000) {
    warnings.push(`key ${fpr} expires on ${expiry.toISOString().slice(0, 10)}; rotate it`);
  }

  if (!options.needsEncryption) return { ok: true, warnings, encryptionKeyId: null };
  let encryptionKey: PublicKey | Subkey;
  try {
    encryptionKey = await key.getEncryptionKey(undefined, now, undefined, fullPgpConfig);
  } catch {
    return fail("encryption-subkey", "has no valid encryption-capable subkey");
  }
  const subkeyProblem = algorithmProblem(encryptionKey.getAlgorithmInfo(), "encrypt");
  if (subkeyProblem) return fail("algorithm", subkeyProblem);
  return { ok: true, warnings, encryptionKeyId: encryptionKey.getKeyID().toHex() };
}
