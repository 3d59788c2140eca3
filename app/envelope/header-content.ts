/**
 * What the manifest's `parts.header` commits to: the header's final SEIPD packet alone (from its
 * first header byte to the end of the header), not the whole header. Key rotation rewraps a
 * header offline, replacing its PKESK packets, while the manifest (encrypted by the witness) can
 * never be rewritten; committing to the encrypted packet keeps the commitment valid across every
 * rewrap while still binding the file description (and so the chunk key) the witness wrote.
 */
import { sha256Hex } from "./hash";
import { rawPacketTags } from "./packet-framing";

const SEIPD_TAG = 18;

export type EncryptedPacketResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/** The bytes of the final packet of a header (or manifest), which must be a SEIPD packet. */
export function encryptedPacketOf(bytes: Uint8Array): EncryptedPacketResult {
  const framing = rawPacketTags(bytes);
  if (!framing.ok) return { ok: false, reason: framing.reason };
  const last = framing.packets[framing.packets.length - 1];
  if (!last) return { ok: false, reason: "the message holds no packets" };
  if (last.tag !== SEIPD_TAG) return { ok: false, reason: `the last packet has tag ${last.tag}, not an encrypted-data packet (tag 18)` };
  return { ok: true, bytes: bytes.subarray(last.offset) };
}

/** SHA-256 (hex) of the header's final SEIPD packet: the value `parts.header` holds. */
export async function headerContentSha256(bytes: Uint8Array): Promise<string> {
  const packet = encryptedPacketOf(bytes);
  if (!packet.ok) throw new Error(`not a header: ${packet.reason}`);
  return sha256Hex(packet.bytes);
}
