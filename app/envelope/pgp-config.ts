/**
 * The one place that decides how Testigo uses OpenPGP.js. Every call into openpgp passes
 * `pgpConfig` (or a value derived from it here); nothing else sets an openpgp option.
 */
import { config as openpgpDefaults, enums, type Config, type PartialConfig } from "openpgp";

export const pgpConfig = {
  // GnuPG 2.2 (what Tails ships) cannot read SEIPDv2/AEAD, so every message is SEIPDv1 + MDC.
  aeadProtect: false,
  // AES-256 for every session key: the only cipher GnuPG, OpenPGP.js and our policy all require.
  preferredSymmetricAlgorithm: enums.symmetric.aes256,
  // No compression: media is already compressed, and compression makes ciphertext size depend on
  // the content, which would undo the padding.
  preferredCompressionAlgorithm: enums.compression.uncompressed,
  // Armor must not announce the software or its version (a fingerprint of the witness's client).
  showVersion: false,
  showComment: false,
  // v6 keys and v5 entities are unreadable by GnuPG 2.2; editor keys are v4.
  v6Keys: false,
  enableParsingV5Entities: false,
  // Never accept a message without integrity protection, streamed or not.
  allowUnauthenticatedMessages: false,
  allowUnauthenticatedStream: false,
  // A malformed or unknown packet is an error, never silently skipped: the server's shape checks
  // and the editor's verification rely on seeing every packet.
  ignoreUnsupportedPackets: false,
  ignoreMalformedPackets: false,
  // Key policy floor (policy.ts applies the full policy); RSA below 3072 bits is refused.
  minRSABits: 3072,
  // Secret keys written by `testigo keys` (root, editors) must import into GnuPG 2.2, which reads
  // neither Argon2 S2K nor AEAD-protected secret keys (aeadProtect above stays false for this too):
  // so iterated+salted S2K (OpenPGP.js hashes with SHA-256, encrypts with AES-256), pinned here
  // rather than left to a library default that may move to Argon2. 255 is the largest count
  // (65,011,712 bytes hashed, ~0.25 s per unlock in Node): these keys are unlocked rarely and
  // offline, so a guesser's cost matters more than ours.
  s2kType: enums.s2k.iterated,
  s2kIterationCountByte: 255,
} satisfies PartialConfig;

/** For the few key methods whose typings want a complete Config: the defaults plus ours. */
export const fullPgpConfig: Config = { ...openpgpDefaults, ...pgpConfig };

/**
 * OpenPGP.js stamps dates into literal-data packets. A fixed date keeps the witness's clock (and
 * so the exact submission time) out of the ciphertext.
 */
export const FIXED_PACKET_DATE = new Date(0);

/**
 * The witness's contact key (app/codename/witness-key.ts): the same GnuPG 2.2-readable choices,
 * with its own S2K cost. Its passphrase is 256 uniformly random bits from the codename KDF
 * (app/codename/derive.ts), which already paid the stretching: more S2K iterations would add
 * nothing against a guesser, who must guess the codename (one scrypt each), not the passphrase.
 * A phone unlocks this key on every visit, so the S2K should cost it next to nothing.
 */
export const witnessKeyConfig = {
  ...pgpConfig,
  // Still iterated+salted S2K (SHA-256, AES-256): GnuPG 2.2 reads nothing stronger.
  s2kType: enums.s2k.iterated,
  // 96 = 65,536 bytes hashed: about a millisecond, and still a valid GnuPG count.
  s2kIterationCountByte: 96,
} satisfies PartialConfig;

/** For key methods whose typings want a complete Config. */
export const fullWitnessKeyConfig: Config = { ...openpgpDefaults, ...witnessKeyConfig };
