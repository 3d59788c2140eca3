/**
 * The witness's contact key and replies with plain GnuPG 2.2 (what Tails ships): the secret key
 * made in the browser imports with its passphrase, decrypts a reply written by encryptReply, and
 * is protected the way the ADR says (iterated+salted S2K, AES-256, SHA-256, low count).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWitnessKey, readWitnessPublicKey } from "~/codename/witness-key";
import { deriveCodenameSecrets } from "~/codename/derive";
import { decryptReply, encryptReply } from "~/contact/reply";
import { ReplyPlaintextSchema } from "~/contact/format";
import { makeGnupgHome, type GnupgHome } from "../support/gpg";
import { makeEditorKey } from "../support/keys";

const THREAD = "0123456789abcdef0123456789abcdef";
const TEXT = "¿Puede enviar otra foto del acta de la mesa 3? Gracias.";

let home: GnupgHome;
let pair: { publicKey: Uint8Array; secretKey: Uint8Array };
let keyPassphrase: string;
let secretPath: string;
let passphrasePath: string;

beforeAll(async () => {
  home = await makeGnupgHome();
  ({ keyPassphrase } = await deriveCodenameSecrets("casa arbol perro gato luna sol mar"));
  pair = await createWitnessKey(keyPassphrase);
  secretPath = path.join(home.dir, "witness-secret.pgp");
  passphrasePath = path.join(home.dir, "passphrase.txt");
  await writeFile(secretPath, pair.secretKey);
  // A file, not argv: the passphrase must not show in the process list, even in a test.
  await writeFile(passphrasePath, keyPassphrase, { mode: 0o600 });
});

afterAll(async () => {
  await home?.remove();
});

const withPassphrase = () => ["--pinentry-mode", "loopback", "--passphrase-file", passphrasePath];

describe("witness key with GnuPG 2.2", () => {
  it("lists the secret key as iterated+salted S2K, AES-256, SHA-256, count byte 96, dated at the epoch", async () => {
    const listing = (await home.gpgOk(["--list-packets", secretPath])).stdout.toString();
    const s2k = listing.match(/iter\+salt S2K, algo: 9, SHA1 protection, hash: 8/g) ?? [];
    // Primary and subkey alike.
    expect(s2k).toHaveLength(2);
    expect(listing.match(/protect count: 65536 \(96\)/g)).toHaveLength(2);
    expect(listing).not.toMatch(/unprotected|gnu-dummy|AEAD/i);
    expect(listing.match(/version 4, algo (22|18), created 0, expires 0/g)).toHaveLength(2);
    expect(listing).toContain('"Testigo witness"');
  });

  it("imports the secret key with its passphrase and decrypts a reply made by encryptReply", async () => {
    await home.gpgOk([...withPassphrase(), "--import", secretPath]);
    const listing = (await home.gpgOk(["--with-colons", "--list-secret-keys"])).stdout.toString();
    expect(listing).toMatch(/^sec:/m);
    expect(listing).toMatch(/^ssb:.*:cv25519:/m);

    const editor = await makeEditorKey("Interop editor");
    const witnessKey = await readWitnessPublicKey(pair.publicKey);
    const reply = await encryptReply({ thread: THREAD, text: TEXT, witnessKey, editorKeys: [editor.publicKey] });
    const replyPath = path.join(home.dir, "reply.pgp");
    await writeFile(replyPath, reply);

    const result = await home.gpgOk([...withPassphrase(), "--status-fd", "2", "--decrypt", replyPath]);
    // GnuPG writes the padded JSON as is: trailing spaces, still valid JSON.
    const plaintext = ReplyPlaintextSchema.parse(JSON.parse(result.stdout.toString("utf8")));
    expect(plaintext).toEqual({ format: "testigo/1", kind: "reply", thread: THREAD, text: TEXT });
    expect(result.stderr).toMatch(/DECRYPTION_OKAY/);
    expect(result.stderr).toMatch(/GOODMDC/);
    expect(result.stderr).toContain(`PLAINTEXT 62 0 testigo/1:${THREAD}:reply`);
    // The same bytes also open in OpenPGP.js with the editor's key.
    expect((await decryptReply({ thread: THREAD, message: reply, key: editor.privateKey })).text).toBe(TEXT);
  });

  it("without the passphrase GnuPG cannot use the key", async () => {
    // A fresh home: the first one's agent has the right passphrase cached.
    const other = await makeGnupgHome();
    try {
      const wrong = path.join(other.dir, "wrong.txt");
      await writeFile(wrong, "00".repeat(32), { mode: 0o600 });
      const loopback = ["--pinentry-mode", "loopback", "--passphrase-file", wrong];
      // GnuPG 2.2 imports a protected secret key as is, without asking; using it needs the passphrase.
      await other.gpgOk([...loopback, "--import", secretPath]);
      const witnessKey = await readWitnessPublicKey(pair.publicKey);
      const editor = await makeEditorKey("Interop editor");
      const replyPath = path.join(other.dir, "reply.pgp");
      await writeFile(replyPath, await encryptReply({ thread: THREAD, text: TEXT, witnessKey, editorKeys: [editor.publicKey] }));
      const result = await other.gpg([...loopback, "--decrypt", replyPath]);
      expect(result.code).not.toBe(0);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr).toMatch(/Bad passphrase|decryption failed/i);
    } finally {
      await other.remove();
    }
  });
});
