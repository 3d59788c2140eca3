/**
 * Shape checks the server applies to every part before storing it. The server cannot decrypt,
 * but it can refuse anything that is not OpenPGP ciphertext of the expected shape: plaintext,
 * a literal packet outside encryption, a message to the wrong keys, SEIPDv2, trailing packets.
 */
import {
  PublicKeyEncryptedSessionKeyPacket,
  SymEncryptedIntegrityProtectedDataPacket,
  readMessage,
  type PacketList,
  type AnyPacket,
} from "openpgp";
import type { PartRef } from "./format";
import { rawPacketTags } from "./packet-framing";
import { pgpConfig } from "./pgp-config";

export type ShapeResult = { ok: true } | { ok: false; reason: string };

const PKESK_TAG = 1;
const SEIPD_TAG = 18;

const ok: ShapeResult = { ok: true };
const refuse = (reason: string): ShapeResult => ({ ok: false, reason });

async function parsePackets(bytes: Uint8Array): Promise<PacketList<AnyPacket> | string> {
  if (bytes.length === 0) return "the body is empty";
  // Bit 7 of the first byte is set in every OpenPGP packet header; text never starts so.
  if ((bytes[0]! & 0x80) === 0) return "the body is not an OpenPGP packet stream (binary, not armored)";
  const framing = rawPacketTags(bytes);
  if (!framing.ok) return framing.reason;
  const unexpected = framing.tags.filter((t) => t !== PKESK_TAG && t !== SEIPD_TAG);
  if (unexpected.length > 0) return `unexpected packet types (tags ${unexpected.join(", ")}); only session-key and encrypted-data packets are allowed`;
  try {
    const message = await readMessage({ binaryMessage: bytes, config: pgpConfig });
    if (message.packets.length !== framing.tags.length) return "the packet stream holds packets the parser skipped";
    return message.packets;
  } catch (error) {
    return `the body is not a readable OpenPGP message (${error instanceof Error ? error.message : "parse error"})`;
  }
}

function checkSeipdV1(packet: AnyPacket | undefined): ShapeResult {
  if (!(packet instanceof SymEncryptedIntegrityProtectedDataPacket)) {
    return refuse("expected a symmetrically encrypted integrity-protected data packet (tag 18)");
  }
  if (packet.version !== 1) return refuse(`expected SEIPD version 1, got version ${packet.version}`);
  return ok;
}

/**
 * Smallest possible SEIPDv1 body: version (1) + IV and its check (16 + 2) + an empty literal
 * packet (2 + 6) + the MDC packet (22). Anything shorter cannot be what our clients make.
 */
const MIN_SEIPD_V1_BODY = 49;

/**
 * A chunk: exactly one SEIPDv1 packet and nothing else. Checked on the raw framing alone: for a
 * lone encrypted packet that is all OpenPGP.js would look at too, and chunks are the bulk of the
 * upload traffic, so no second parse (and copy) of every 2 MiB.
 */
export async function inspectChunk(bytes: Uint8Array): Promise<ShapeResult> {
  if (bytes.length === 0) return refuse("the body is empty");
  const framing = rawPacketTags(bytes);
  if (!framing.ok) return refuse(framing.reason);
  const packet = framing.packets[0];
  if (!packet || framing.packets.length !== 1) {
    return refuse(`a chunk must be exactly one encrypted packet, found ${framing.packets.length} packets`);
  }
  if (packet.tag !== SEIPD_TAG) return refuse("expected a symmetrically encrypted integrity-protected data packet (tag 18)");
  if (packet.firstBodyByte !== 1) return refuse(`expected SEIPD version 1, got version ${packet.firstBodyByte ?? "none"}`);
  if (packet.length < MIN_SEIPD_V1_BODY) return refuse(`the encrypted packet is too short (${packet.length} bytes) to hold anything`);
  return ok;
}

/**
 * A header or the manifest: one v3 PKESK for each expected encryption subkey (named, not
 * wildcard; no others, no repeats) followed by exactly one SEIPDv1 packet.
 */
export async function inspectKeyedMessage(bytes: Uint8Array, expectedKeyIds: ReadonlySet<string>): Promise<ShapeResult> {
  const packets = await parsePackets(bytes);
  if (typeof packets === "string") return refuse(packets);
  if (packets.length < 2) return refuse("expected session-key packets followed by one encrypted packet");
  const seen = new Set<string>();
  for (let i = 0; i < packets.length - 1; i++) {
    const packet = packets[i];
    if (!(packet instanceof PublicKeyEncryptedSessionKeyPacket)) {
      return refuse(`packet ${i} must be a public-key encrypted session key (tag 1)`);
    }
    if (packet.version !== 3) return refuse(`packet ${i}: expected PKESK version 3, got ${packet.version}`);
    const keyId = packet.publicKeyID.toHex();
    if (!expectedKeyIds.has(keyId)) return refuse(`packet ${i} is encrypted to key ${keyId}, which is not an active editor key`);
    if (seen.has(keyId)) return refuse(`packet ${i} repeats key ${keyId}`);
    seen.add(keyId);
  }
  const missing = [...expectedKeyIds].filter((id) => !seen.has(id));
  if (missing.length > 0) return refuse(`not encrypted to every active editor key; missing ${missing.join(", ")}`);
  return checkSeipdV1(packets[packets.length - 1]);
}

export function inspectPart(part: PartRef, bytes: Uint8Array, expectedKeyIds: ReadonlySet<string>): Promise<ShapeResult> {
  return part.kind === "chunk" ? inspectChunk(bytes) : inspectKeyedMessage(bytes, expectedKeyIds);
}

export interface SessionKeyPacket {
  /** The PKESK's named key ID, lowercase hex (what `inspectKeyedMessage` checks). */
  keyId: string;
  /** The packet exactly as on the wire, header included. */
  bytes: Uint8Array;
}

export type KeyedPackets =
  | { ok: true; sessionKeys: SessionKeyPacket[]; encrypted: Uint8Array }
  | { ok: false; reason: string };

/**
 * A keyed message split into its raw packets: each v3 PKESK with the key ID it names, then the
 * final SEIPDv1 packet. Key rotation of a reply keeps the witness's PKESK and the SEIPD packet
 * byte for byte, and the server proves it did by comparing these slices with the stored ones.
 * The raw framing gives the byte ranges, OpenPGP.js the key IDs; `parsePackets` has already
 * checked that both see the same packets, so packet i of one is packet i of the other.
 */
export async function keyedPacketsOf(bytes: Uint8Array): Promise<KeyedPackets> {
  const fail = (reason: string): KeyedPackets => ({ ok: false, reason });
  const packets = await parsePackets(bytes);
  if (typeof packets === "string") return fail(packets);
  const framing = rawPacketTags(bytes);
  if (!framing.ok) return fail(framing.reason);
  if (packets.length < 2) return fail("expected session-key packets followed by one encrypted packet");
  const sessionKeys: SessionKeyPacket[] = [];
  for (let i = 0; i < packets.length - 1; i++) {
    const packet = packets[i];
    const raw = framing.packets[i];
    const next = framing.packets[i + 1];
    if (!(packet instanceof PublicKeyEncryptedSessionKeyPacket) || !raw || !next) {
      return fail(`packet ${i} must be a public-key encrypted session key (tag 1)`);
    }
    if (packet.version !== 3) return fail(`packet ${i}: expected PKESK version 3, got ${packet.version}`);
    sessionKeys.push({ keyId: packet.publicKeyID.toHex(), bytes: bytes.subarray(raw.offset, next.offset) });
  }
  const seipd = checkSeipdV1(packets[packets.length - 1]);
  if (!seipd.ok) return fail(seipd.reason);
  const last = framing.packets[framing.packets.length - 1];
  if (!last) return fail("the message holds no packets");
  return { ok: true, sessionKeys, encrypted: bytes.subarray(last.offset) };
}
