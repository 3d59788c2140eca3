import { describe, expect, it, beforeAll } from "vitest";
import { decryptKey, enums, generateKey, readPrivateKey, type PrivateKey } from "openpgp";
import { checkWitnessKeys, createWitnessKey, readWitnessPublicKey, unlockWitnessKey } from "~/codename/witness-key";
import { FIXED_PACKET_DATE, pgpConfig, witnessKeyConfig } from "~/envelope/pgp-config";

const PASSPHRASE = "11".repeat(32);
let pair: { publicKey: Uint8Array; secretKey: Uint8Array };

beforeAll(async () => {
  pair = await createWitnessKey(PASSPHRASE);
});

/** A key of the witness shape made directly with openpgp, with the given options changed. */
async function variant(options: { passphrase?: string; name?: string; date?: Date; type?: "rsa"; keyExpirationTime?: number }) {
  const common = {
    userIDs: [{ name: options.name ?? "Testigo witness" }],
    subkeys: [{}],
    date: options.date ?? FIXED_PACKET_DATE,
    keyExpirationTime: options.keyExpirationTime ?? 0,
    format: "binary" as const,
    config: witnessKeyConfig,
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  };
  const made = options.type === "rsa"
    ? await generateKey({ ...common, type: "rsa", rsaBits: 3072 })
    : await generateKey({ ...common, type: "ecc", curve: "curve25519Legacy" });
  return { publicKey: made.publicKey, secretKey: made.privateKey };
}

describe("witness key", () => {
  it("round-trips: made locked, unlocked with the passphrase", async () => {
    const locked = await readPrivateKey({ binaryKey: pair.secretKey });
    expect(locked.isDecrypted()).toBe(false);
    const unlocked: PrivateKey = await unlockWitnessKey(pair.secretKey, PASSPHRASE);
    expect(unlocked.isDecrypted()).toBe(true);
    const publicKey = await readWitnessPublicKey(pair.publicKey);
    expect(unlocked.getFingerprint()).toBe(publicKey.getFingerprint());
  });

  it("a wrong passphrase does not unlock it", async () => {
    await expect(unlockWitnessKey(pair.secretKey, "22".repeat(32))).rejects.toThrow();
  });

  it("is dated at the epoch and names nobody", async () => {
    const key = await readWitnessPublicKey(pair.publicKey);
    expect(key.getCreationTime().getTime()).toBe(0);
    for (const subkey of key.subkeys) expect(subkey.getCreationTime().getTime()).toBe(0);
    expect(key.getUserIDs()).toEqual(["Testigo witness"]);
    expect(await key.getExpirationTime()).toBe(Infinity);
  });

  it("the server accepts a real pair and reports its encryption key id", async () => {
    const result = await checkWitnessKeys(pair.publicKey, pair.secretKey);
    const key = await readWitnessPublicKey(pair.publicKey);
    expect(result).toEqual({
      ok: true,
      fingerprint: key.getFingerprint(),
      encryptionKeyId: (await key.getEncryptionKey()).getKeyID().toHex(),
    });
  });

  it("refuses an unencrypted secret key", async () => {
    const bare = await variant({});
    expect(await checkWitnessKeys(bare.publicKey, bare.secretKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/not encrypted/) });
    // Nor one decrypted after the fact and written out again.
    const unlocked = await decryptKey({ privateKey: await readPrivateKey({ binaryKey: pair.secretKey }), passphrase: PASSPHRASE });
    expect(await checkWitnessKeys(pair.publicKey, unlocked.write())).toMatchObject({ ok: false, reason: expect.stringMatching(/not encrypted/) });
  });

  it("refuses a mismatched pair", async () => {
    const other = await createWitnessKey(PASSPHRASE);
    expect(await checkWitnessKeys(pair.publicKey, other.secretKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
  });

  it("refuses an RSA key", async () => {
    const rsa = await variant({ type: "rsa", passphrase: PASSPHRASE });
    expect(await checkWitnessKeys(rsa.publicKey, rsa.secretKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/Ed25519/) });
  });

  it("refuses a secret key passed as the public key", async () => {
    expect(await checkWitnessKeys(pair.secretKey, pair.secretKey)).toMatchObject({ ok: false });
  });

  it("refuses identifying user IDs, real creation dates and expiring keys", async () => {
    const named = await variant({ name: "María Pérez", passphrase: PASSPHRASE });
    expect(await checkWitnessKeys(named.publicKey, named.secretKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/user ID/) });
    const dated = await variant({ date: new Date(), passphrase: PASSPHRASE });
    expect(await checkWitnessKeys(dated.publicKey, dated.secretKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/epoch/) });
    const expiring = await variant({ keyExpirationTime: 3600, passphrase: PASSPHRASE });
    expect(await checkWitnessKeys(expiring.publicKey, expiring.secretKey)).toMatchObject({ ok: false });
  });

  it("refuses garbage, trailing packets and an Argon2-protected secret key GnuPG 2.2 cannot read", async () => {
    expect(await checkWitnessKeys(new Uint8Array([1, 2, 3]), pair.secretKey)).toMatchObject({ ok: false });
    const doubled = new Uint8Array([...pair.publicKey, ...pair.publicKey]);
    expect(await checkWitnessKeys(doubled, pair.secretKey)).toMatchObject({ ok: false });
    const argon = await generateKey({
      type: "ecc", curve: "curve25519Legacy", userIDs: [{ name: "Testigo witness" }], subkeys: [{}],
      date: FIXED_PACKET_DATE, passphrase: PASSPHRASE, format: "binary",
      // OpenPGP.js allows Argon2 only with AEAD key protection (S2K usage 253): both unreadable by GnuPG 2.2.
      config: { ...pgpConfig, aeadProtect: true, s2kType: enums.s2k.argon2, s2kArgon2Params: { passes: 1, parallelism: 1, memoryExponent: 10 } },
    });
    expect(await checkWitnessKeys(argon.publicKey, argon.privateKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/S2K usage 254/) });
  });
});
