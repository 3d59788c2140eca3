/**
 * The packet tags of an OpenPGP stream read from its raw framing (RFC 9580 §4.2), independent of
 * OpenPGP.js. The server's shape checks need it because OpenPGP.js drops marker, trust and padding
 * packets (and keeps unknown non-critical ones as opaque packets) without a word: the packet list
 * it returns is not what is on the wire, and a packet it skips could carry plaintext.
 */
export interface FramedPacket {
  tag: number;
  /** Offset in the stream of the packet's first header byte (its tag byte). */
  offset: number;
  /** First byte of the packet body (a version number for most packets), or null if empty. */
  firstBodyByte: number | null;
  /** Body length, summed over partial-length pieces. */
  length: number;
}

export type FramingResult = { ok: true; tags: number[]; packets: FramedPacket[] } | { ok: false; reason: string };

export function rawPacketTags(bytes: Uint8Array): FramingResult {
  const fail = (reason: string): FramingResult => ({ ok: false, reason });
  const packets: FramedPacket[] = [];
  let pos = 0;
  const need = (n: number) => pos + n <= bytes.length;
  while (pos < bytes.length) {
    const offset = pos;
    const first = bytes[pos++]!;
    if ((first & 0x80) === 0) return fail("the body is not an OpenPGP packet stream (binary, not armored)");
    if (first & 0x40) {
      const packet: FramedPacket = { tag: first & 0x3f, offset, firstBodyByte: null, length: 0 };
      packets.push(packet);
      // New format: possibly a run of partial body lengths ending in a definite one.
      for (;;) {
        if (!need(1)) return fail("truncated packet header");
        const l0 = bytes[pos++]!;
        let length: number;
        let partial = false;
        if (l0 < 192) length = l0;
        else if (l0 < 224) {
          if (!need(1)) return fail("truncated packet header");
          length = ((l0 - 192) << 8) + bytes[pos++]! + 192;
        } else if (l0 === 255) {
          if (!need(4)) return fail("truncated packet header");
          length = bytes[pos]! * 2 ** 24 + bytes[pos + 1]! * 2 ** 16 + bytes[pos + 2]! * 2 ** 8 + bytes[pos + 3]!;
          pos += 4;
        } else {
          length = 2 ** (l0 & 0x1f);
          partial = true;
        }
        if (!need(length)) return fail("a packet runs past the end of the body");
        if (packet.firstBodyByte === null && length > 0) packet.firstBodyByte = bytes[pos]!;
        packet.length += length;
        pos += length;
        if (!partial) break;
      }
    } else {
      const tag = (first >> 2) & 0x0f;
      const type = first & 3;
      if (type === 3) return fail("indeterminate packet lengths are not accepted");
      const n = [1, 2, 4][type]!;
      if (!need(n)) return fail("truncated packet header");
      let length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + bytes[pos + i]!;
      pos += n;
      if (!need(length)) return fail("a packet runs past the end of the body");
      packets.push({ tag, offset, firstBodyByte: length > 0 ? bytes[pos]! : null, length });
      pos += length;
    }
  }
  return { ok: true, tags: packets.map((p) => p.tag), packets };
}
