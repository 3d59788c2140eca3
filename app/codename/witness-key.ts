/**
 * The witness's OpenPGP key pair for replies (ADR 0006, 0007): made in the witness's browser,
 * stored on the server with its secret half encrypted under a passphrase derived from the codename,
 * and checked by the server before it stores anything. Isomorphic.
 */
import {
  decryptKey,
  enums,
  generateKey,
  readKey,
  readKeys,
  readPrivateKey,
  readPrivateKeys,
  type Key,
  type PrivateKey,
  type PublicKey,
  type Subkey,
} from "openpgp";
import { rawPacketTags } from "../envelope/packet-framing";
import { FIXED_PACKET_DATE, fullWitnessKeyConfig, witnessKeyConfig } from "../envelope/pgp-config";

/** The only user ID: a key's user ID is readable by anyone who holds the public key. */
export const WITNESS_USER_ID = "Testigo witness";

export async function createWitnessKey(keyPassphrase: string): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> {
  if (keyPassphrase.length === 0) throw new Error("createWitnessKey: the passphrase is empty");
  const { publicKey, privateKey } = await generateKey({
    // v4 Ed25519 (legacy EdDSA) + Curve25519 (legacy ECDH): what GnuPG 2.2 reads.
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ name: WITNESS_USER_ID }],
    subkeys: [{}],
    // The epoch, not now: a key's creation time would tell the server and anyone holding the
    // key when the witness chose a codename.
    date: FIXED_PACKET_DATE,
    // Never expires: an expired key would silently stop replies reaching the witness.
    keyExpirationTime: 0,
    passphrase: keyPassphrase,
    format: "binary",
    config: witnessKeyConfig,
  });
  return { publicKey, secretKey: privateKey };
}

export async function unlockWitnessKey(secretKey: Uint8Array, keyPassphrase: string): Promise<PrivateKey> {
  const privateKey = await readPrivateKey({ binaryKey: secretKey, config: witnessKeyConfig });
  return decryptKey({ privateKey, passphrase: keyPassphrase, config: witnessKeyConfig });
}

export function readWitnessPublicKey(publicKey: Uint8Array): Promise<PublicKey> {
  return readKey({ binaryKey: publicKey, config: witnessKeyConfig });
}

export type WitnessKeyCheck = { ok: true; fingerprint: string; encryptionKeyId: string } | { ok: false; reason: string };

const TAG = {
  signature: 2,
  secretKey: 5,
  publicKey: 6,
  secretSubkey: 7,
  userId: 13,
  publicSubkey: 14,
} as const;

const PUBLIC_SHAPE = [TAG.publicKey, TAG.userId, TAG.signature, TAG.publicSubkey, TAG.signature];
const SECRET_SHAPE = [TAG.secretKey, TAG.userId, TAG.signature, TAG.secretSubkey, TAG.signature];

function message(error: unknown): string {
  return error instanceof Error ? error.message : "parse error";
}

/**
 * The raw packet sequence, independent of OpenPGP.js (which skips some packets silently): one
 * primary, one user ID, one subkey, each with one self-signature, and nothing else that could
 * smuggle data (a photo ID, a second user ID) or secret material into the public half.
 */
function checkFraming(bytes: Uint8Array, expected: readonly number[], what: string): string | null {
  const framing = rawPacketTags(bytes);
  if (!framing.ok) return `the ${what} is not an OpenPGP packet stream: ${framing.reason}`;
  if (framing.tags.length !== expected.length || framing.tags.some((tag, i) => tag !== expected[i])) {
    return `the ${what} must be exactly [${expected.join(", ")}] (packet tags), got [${framing.tags.join(", ")}]`;
  }
  return null;
}

function isLegacyEd25519(key: Key): boolean {
  const info = key.getAlgorithmInfo();
  return info.algorithm === "eddsaLegacy" && info.curve === "ed25519Legacy";
}

function isLegacyX25519(subkey: Subkey): boolean {
  const info = subkey.getAlgorithmInfo();
  return info.algorithm === "ecdh" && info.curve === "curve25519Legacy";
}

/**
 * Why a secret key packet is not protected the way GnuPG 2.2 and our S2K policy expect, or null.
 * OpenPGP.js does not type the S2K fields of a parsed packet, so they are read through `in` checks.
 */
function protectionProblem(packet: PrivateKey["keyPacket"] | Subkey["keyPacket"], what: string): string | null {
  if (packet.isDecrypted() !== false) return `the ${what} is not encrypted`;
  if (!("isDummy" in packet) || packet.isDummy()) return `the ${what} holds no secret material`;
  // 254: CFB with a SHA-1 check; 253 (AEAD) is unreadable by GnuPG 2.2, 255 is the weaker checksum.
  if (!("s2kUsage" in packet) || packet.s2kUsage !== 254) return `the ${what} must use S2K usage 254 (CFB + SHA-1 check)`;
  if (!("symmetric" in packet) || packet.symmetric !== enums.symmetric.aes256) return `the ${what} must be encrypted with AES-256`;
  if (!("s2k" in packet) || typeof packet.s2k !== "object" || packet.s2k === null || !("type" in packet.s2k) || packet.s2k.type !== "iterated") {
    return `the ${what} must use iterated+salted S2K`;
  }
  return null;
}

/**
 * What the server runs on a registration before storing anything. It cannot test the passphrase
 * (it never sees it), so it checks the shape: a GnuPG-readable v4 Ed25519 + Curve25519 public key
 * that names nothing about the witness, and the matching secret key, still encrypted. A secret
 * key stored unprotected would hand every reply to whoever images the disk.
 */
export async function checkWitnessKeys(publicKey: Uint8Array, secretKey: Uint8Array): Promise<WitnessKeyCheck> {
  const refuse = (reason: string): WitnessKeyCheck => ({ ok: false, reason });

  const publicFraming = checkFraming(publicKey, PUBLIC_SHAPE, "public key");
  if (publicFraming) return refuse(publicFraming);
  let publicKeys: Key[];
  try {
    publicKeys = await readKeys({ binaryKeys: publicKey, config: witnessKeyConfig });
  } catch (error) {
    return refuse(`the public key is not a readable OpenPGP key (${message(error)})`);
  }
  const key = publicKeys[0];
  if (!key || publicKeys.length !== 1) return refuse(`expected exactly one public key, got ${publicKeys.length}`);
  if (key.isPrivate()) return refuse("the public key holds secret key material");
  if (key.keyPacket.version !== 4) return refuse(`expected a v4 key (GnuPG 2.2), got v${key.keyPacket.version}`);
  if (!isLegacyEd25519(key)) return refuse("the primary key must be Ed25519 (legacy EdDSA, v4)");
  const subkey = key.subkeys[0];
  if (!subkey || key.subkeys.length !== 1) return refuse(`expected exactly one subkey, got ${key.subkeys.length}`);
  if (!isLegacyX25519(subkey)) return refuse("the encryption subkey must be Curve25519 (legacy ECDH, v4)");
  const userIds = key.getUserIDs();
  if (userIds.length !== 1 || userIds[0] !== WITNESS_USER_ID) {
    return refuse(`the only user ID must be "${WITNESS_USER_ID}": anything else could identify the witness`);
  }
  if (key.getCreationTime().getTime() !== FIXED_PACKET_DATE.getTime() || subkey.getCreationTime().getTime() !== FIXED_PACKET_DATE.getTime()) {
    return refuse("the key must be dated at the epoch: a real creation time dates the witness");
  }

  let encryptionKeyId: string;
  try {
    // Verifies the self-signatures and the subkey binding as of now (the day the server checks).
    const encryptionKey = await key.getEncryptionKey(undefined, new Date(), undefined, fullWitnessKeyConfig);
    if (encryptionKey.getFingerprint() !== subkey.getFingerprint()) return refuse("the encryption key is not the Curve25519 subkey");
    encryptionKeyId = encryptionKey.getKeyID().toHex();
  } catch (error) {
    return refuse(`the public key has no valid encryption subkey (${message(error)})`);
  }
  // Replies are written to this key for as long as the thread lives.
  if ((await key.getExpirationTime(undefined, fullWitnessKeyConfig)) !== Infinity) return refuse("the key must not expire");

  const secretFraming = checkFraming(secretKey, SECRET_SHAPE, "secret key");
  if (secretFraming) return refuse(secretFraming);
  let secretKeys: PrivateKey[];
  try {
    secretKeys = await readPrivateKeys({ binaryKeys: secretKey, config: witnessKeyConfig });
  } catch (error) {
    return refuse(`the secret key is not a readable OpenPGP secret key (${message(error)})`);
  }
  const secret = secretKeys[0];
  if (!secret || secretKeys.length !== 1) return refuse(`expected exactly one secret key, got ${secretKeys.length}`);
  if (secret.getFingerprint() !== key.getFingerprint()) return refuse("the secret key does not match the public key");
  const secretSubkey = secret.subkeys[0];
  if (!secretSubkey || secret.subkeys.length !== 1 || secretSubkey.getFingerprint() !== subkey.getFingerprint()) {
    return refuse("the secret key's subkey does not match the public key's");
  }
  const problem = protectionProblem(secret.keyPacket, "secret primary key") ?? protectionProblem(secretSubkey.keyPacket, "secret subkey");
  if (problem) return refuse(problem);

  return { ok: true, fingerprint: key.getFingerprint(), encryptionKeyId };
}
