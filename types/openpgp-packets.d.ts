// OpenPGP.js 6 has these fields at run time (src/packet/*.js) but leaves them out of its typings.
// The server's shape checks read them, so they are declared here rather than cast.
import "openpgp";

declare module "openpgp" {
  interface PublicKeyEncryptedSessionKeyPacket {
    readonly version: number;
    readonly publicKeyID: KeyID;
  }
  interface SymEncryptedIntegrityProtectedDataPacket {
    readonly version: number;
  }
}
