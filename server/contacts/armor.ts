/**
 * ASCII armor for a binary OpenPGP public key (RFC 4880 §6), synchronously: the editor portal's
 * thread view is synchronous, and OpenPGP.js only armors a parsed key (an async read). The key's
 * bytes were checked at registration (checkWitnessKeys); this only re-encodes them.
 */
const CRC24_INIT = 0xb704ce;
const CRC24_POLY = 0x1864cfb;

function crc24(bytes: Uint8Array): number {
  let crc = CRC24_INIT;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= CRC24_POLY;
    }
  }
  return crc & 0xffffff;
}

export function armorPublicKey(bytes: Uint8Array): string {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  const lines = body.match(/.{1,64}/g) ?? [];
  const crc = crc24(bytes);
  const checksum = Buffer.from([(crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]).toString("base64");
  return ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", ...lines, `=${checksum}`, "-----END PGP PUBLIC KEY BLOCK-----", ""].join("\n");
}
