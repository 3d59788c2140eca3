/**
 * A tiny, independent OpenPGP packet framer (RFC 9580 §4.2) for crafting hostile uploads: split a
 * stream into packets, write a packet, concatenate. Deliberately not OpenPGP.js, so the tests do
 * not share the parser they attack.
 */

export const TAG = {
  PKESK: 1,
  SIGNATURE: 2,
  SKESK: 3,
  ONE_PASS_SIGNATURE: 4,
  COMPRESSED: 8,
  SED: 9,
  MARKER: 10,
  LITERAL: 11,
  TRUST: 12,
  SEIPD: 18,
  PADDING: 21,
} as const;

export interface Packet {
  tag: number;
  /** Offset of the packet header in the stream. */
  start: number;
  /** Offset of the body. */
  bodyStart: number;
  /** Offset just past the body. */
  end: number;
  newFormat: boolean;
}

/** Splits a binary packet stream. Throws on partial lengths (our writer never emits them) or overrun. */
export function splitPackets(bytes: Uint8Array): Packet[] {
  const packets: Packet[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const first = bytes[pos++]!;
    if ((first & 0x80) === 0) throw new Error(`no packet header at ${start}`);
    let tag: number;
    let length: number;
    const newFormat = (first & 0x40) !== 0;
    if (newFormat) {
      tag = first & 0x3f;
      const l0 = bytes[pos++]!;
      if (l0 < 192) {
        length = l0;
      } else if (l0 < 224) {
        length = ((l0 - 192) << 8) + bytes[pos++]! + 192;
      } else if (l0 === 255) {
        length = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0);
        pos += 4;
      } else {
        throw new Error("partial body lengths are not supported by this test framer");
      }
    } else {
      tag = (first >> 2) & 0x0f;
      const lengthType = first & 0x03;
      if (lengthType === 0) length = bytes[pos++]!;
      else if (lengthType === 1) {
        length = (bytes[pos]! << 8) | bytes[pos + 1]!;
        pos += 2;
      } else if (lengthType === 2) {
        length = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0);
        pos += 4;
      } else throw new Error("indeterminate length is not supported by this test framer");
    }
    const end = pos + length;
    if (end > bytes.length) throw new Error(`packet at ${start} overruns the stream`);
    packets.push({ tag, start, bodyStart: pos, end, newFormat });
    pos = end;
  }
  return packets;
}

/** The bytes of one packet of the stream (header included). */
export function packetBytes(bytes: Uint8Array, p: Packet): Uint8Array {
  return bytes.slice(p.start, p.end);
}

export function packetBody(bytes: Uint8Array, p: Packet): Uint8Array {
  return bytes.slice(p.bodyStart, p.end);
}

/** A new-format packet with a definite length. */
export function writePacket(tag: number, body: Uint8Array): Uint8Array {
  let header: number[];
  const n = body.length;
  if (n < 192) header = [0xc0 | tag, n];
  else if (n < 8384) header = [0xc0 | tag, ((n - 192) >> 8) + 192, (n - 192) & 0xff];
  else header = [0xc0 | tag, 255, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return concatBytes(new Uint8Array(header), body);
}

/** An old-format packet header with a 4-byte length (RFC 4880 §4.2.1), same body. */
export function writeOldFormatPacket(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  return concatBytes(new Uint8Array([0x80 | (tag << 2) | 2, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]), body);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
