/**
 * A witness with only gpg, curl, coreutils and python3 (scripts/submit-with-gpg-curl.sh) submits
 * to a real portal; what is stored decrypts with the project's envelope code and with GnuPG, byte
 * for byte. Also pins the GnuPG facts the script relies on.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiteralDataPacket, PublicKeyEncryptedSessionKeyPacket, decryptSessionKeys, readMessage, type PrivateKey } from "openpgp";
import { fullPgpConfig, pgpConfig } from "~/envelope/pgp-config";
import { paddedSize } from "~/envelope/padding";
import { fromHex } from "~/envelope/hex";
import { recoverSessionKey } from "~/envelope/decrypt";
import { KeyringBundleSchema, KeyringDocumentSchema } from "~/keyring/document";
import { DECRYPT_SCRIPT, SUBMIT_SCRIPT, makeGnupgHome, runScript, type GnupgHome } from "../support/gpg";
import { removeDataDir, startPortal, type Portal } from "../support/portal";
import { blobDir, decryptStoredWithEnvelope, readParts } from "../support/stored";
import { fetchRecipients, putPart, readSecretKey } from "../support/submission";

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

let portal: Portal;
let home: GnupgHome;
let work: string;
let demoKey: PrivateKey;
let rootFingerprint: string;
const inputs: { file: string; data: Uint8Array }[] = [];

beforeAll(async () => {
  portal = await startPortal();
  home = await makeGnupgHome();
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-witness-"));
  if (!portal.demoSecretKeyPath) throw new Error("the portal did not start in demo mode");
  await home.gpgOk(["--import", portal.demoSecretKeyPath]);
  demoKey = await readSecretKey(portal.demoSecretKeyPath);
  const bundle = KeyringBundleSchema.parse(await (await fetch(`${portal.witnessUrl}/api/v1/keyring`)).json());
  rootFingerprint = KeyringDocumentSchema.parse(JSON.parse(bundle.document)).root;
  const named: { name: string; data: Uint8Array }[] = [
    { name: "video clip.mp4", data: new Uint8Array(randomBytes(300 * 1024 + 5)) },
    { name: "empty.bin", data: new Uint8Array(0) },
    { name: "acta ñ.jpg", data: new Uint8Array(randomBytes(3)) },
  ];
  for (const { name, data } of named) {
    const file = path.join(work, name);
    await writeFile(file, data);
    inputs.push({ file, data });
  }
});

afterAll(async () => {
  await portal?.stop();
  if (portal) await removeDataDir(portal.dataDir);
  await home?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The witness side runs with its own (empty) GNUPGHOME: the script must not need any keyring. */
function submit(args: readonly string[], input?: string) {
  return runScript(SUBMIT_SCRIPT, ["--portal", portal.witnessUrl, "--root-fingerprint", rootFingerprint, ...args], {
    env: { TMPDIR: work },
    input,
  });
}

function submissionIdOf(stdout: Buffer): string {
  const id = /^Submission ([0-9a-f]{32})$/m.exec(stdout.toString())?.[1];
  if (!id) throw new Error(`no submission id in:\n${stdout.toString()}`);
  return id;
}

describe("GnuPG facts the witness script relies on", () => {
  it("computes the envelope's padded sizes (Padmé from 4096)", async () => {
    const sizes = [0, 1, 2, 3, 100, 4095, 4096, 4097, 5000, 65_536, 300 * 1024 + 5, 2 ** 21 + 1, 123_456_789, 2 ** 32 + 12_345];
    for (let k = 12; k <= 40; k += 4) sizes.push(2 ** k - 1, 2 ** k, 2 ** k + 1);
    for (const size of sizes) {
      const { code, stdout } = await runScript(SUBMIT_SCRIPT, ["--print-padded-size", String(size)]);
      expect(code).toBe(0);
      expect(Number(stdout.toString().trim()), `padded size of ${size}`).toBe(paddedSize(size));
    }
  });

  it("simple S2K with SHA-256 makes the AES-256 key SHA-256(passphrase), as gpg and OpenPGP.js agree", async () => {
    const passphrase = randomBytes(32).toString("hex");
    const out = path.join(work, "s2k.gpg");
    await home.gpgOk([
      // --no-symkey-cache, as the script: the decryption below must derive the key, not find it cached.
      "--no-symkey-cache", "--pinentry-mode", "loopback", "--passphrase", passphrase, "--symmetric", "--s2k-mode", "0",
      "--s2k-digest-algo", "SHA256", "--cipher-algo", "AES256", "--compress-algo", "none", "-o", out,
    ], "a chunk");
    const shown = await home.gpgOk(["--no-symkey-cache", "--pinentry-mode", "loopback", "--passphrase", passphrase, "--status-fd", "1", "--show-session-key", "-o", "/dev/null", "--decrypt", out]);
    expect(shown.stdout.toString()).toContain(`[GNUPG:] SESSION_KEY 9:${sha256(passphrase).toUpperCase()}\n`);
    // Independently of gpg: OpenPGP.js derives the same session key from the SKESK.
    const message = await readMessage({ binaryMessage: await readFile(out), config: pgpConfig });
    const [found] = await decryptSessionKeys({ message, passwords: [passphrase], config: pgpConfig });
    expect(found?.algorithm).toBe("aes256");
    expect(Buffer.from(found!.data).toString("hex")).toBe(sha256(passphrase));
  });
});

describe("scripts/submit-with-gpg-curl.sh against a real portal", () => {
  let id: string;
  let receipt: string;
  const reportText = "where: Barquisimeto\ncuándo: 28/07/2024\nwho: vecinos\n\nEl acta de la mesa 3 no coincide.\nLa fotografié a las 21:40.\n";

  beforeAll(async () => {
    await writeFile(path.join(work, "report.txt"), reportText);
    const result = await submit([
      "--report", path.join(work, "report.txt"), "--allow-demo", "--chunk-size", String(64 * 1024),
      ...inputs.map((i) => i.file),
    ]);
    if (result.code !== 0) throw new Error(`the script failed (${result.code}):\n${result.stderr}`);
    id = submissionIdOf(result.stdout);
    receipt = result.stdout.toString();
  });

  it("seals, prints a receipt with the plaintext hashes, and leaves no work folder behind", async () => {
    const status: unknown = await (await fetch(`${portal.witnessUrl}/api/v1/submissions/${id}`)).json();
    expect(status).toMatchObject({ id, sealed: true });
    for (const [i, input] of inputs.entries()) expect(receipt).toContain(`file ${i}: ${input.data.length} bytes, sha256 ${sha256(input.data)}`);
    expect((await readdir(work)).filter((n) => n.startsWith("testigo-submit."))).toEqual([]);
  });

  it("decrypts with the project's envelope code, byte for byte, report parsed", async () => {
    const { manifest, descriptions, files } = await decryptStoredWithEnvelope(blobDir(portal.dataDir, id), id, [demoKey]);
    expect(files.map((f) => Buffer.from(f).toString("hex"))).toEqual(inputs.map((i) => Buffer.from(i.data).toString("hex")));
    expect(manifest.language).toBe("es");
    expect(manifest.report).toEqual({
      what: "El acta de la mesa 3 no coincide.\nLa fotografié a las 21:40.",
      where: "Barquisimeto",
      when: "28/07/2024",
      who: "vecinos",
    });
    expect(descriptions.map((d) => [d.name, d.type, d.size, d.paddedSize, d.chunks])).toEqual([
      ["video clip.mp4", "video/mp4", 307205, paddedSize(307205), 5],
      ["empty.bin", "application/octet-stream", 0, 4096, 1],
      ["acta ñ.jpg", "image/jpeg", 3, 4096, 1],
    ]);
    // Unlike the browser's, the chunk key is not the header's session key: gpg chose that one.
    const parts = await readParts(blobDir(portal.dataDir, id));
    for (const d of descriptions) {
      const headerKey = await recoverSessionKey(parts.get(`header-${d.file}`)!, [demoKey]);
      expect(Buffer.from(headerKey).toString("hex")).not.toBe(d.chunkKey);
    }
  });

  it("decrypts with GnuPG alone (scripts/gpg-decrypt-submission.sh), byte for byte", async () => {
    const out = path.join(work, "gpg-out");
    const { code, stderr } = await runScript(DECRYPT_SCRIPT, [blobDir(portal.dataDir, id), out], { env: home.env });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    for (const [i, input] of inputs.entries()) {
      expect(Buffer.compare(await readFile(path.join(out, `file-${i}`)), Buffer.from(input.data))).toBe(0);
    }
  });

  it("writes what the browser writes: one named PKESK per editor subkey, literal date 0, the bound name, no compression", async () => {
    const dir = blobDir(portal.dataDir, id);
    const parts = await readParts(dir);
    const { keyIds } = await fetchRecipients(portal.witnessUrl);
    const { descriptions } = await decryptStoredWithEnvelope(dir, id, [demoKey]);
    const chunkKey = descriptions[0]!.chunkKey;
    for (const name of ["header-0", "manifest", "chunk-0-4"]) {
      const message = await readMessage({ binaryMessage: parts.get(name)!, config: pgpConfig });
      const pkesks = message.packets.filter((p) => p instanceof PublicKeyEncryptedSessionKeyPacket);
      const isChunk = name.startsWith("chunk");
      // Headers and the manifest: exactly the active editors' subkeys, named. A chunk: a lone SEIPD.
      expect(pkesks.map((p) => p.publicKeyID.toHex()).sort()).toEqual(isChunk ? [] : [...keyIds].sort());
      expect(message.packets.length).toBe(pkesks.length + 1);
      const opened = isChunk
        ? await message.decrypt(undefined, undefined, [{ data: fromHex(chunkKey), algorithm: "aes256" }], undefined, fullPgpConfig)
        : await message.decrypt([demoKey], undefined, undefined, undefined, fullPgpConfig);
      // One literal packet straight inside the encryption: gpg did not compress (sizes stay padded).
      expect(opened.packets.length).toBe(1);
      expect(opened.packets[0]).toBeInstanceOf(LiteralDataPacket);
      expect(opened.getFilename()).toBe(`testigo/1:${id}:${name}`);
      // gpg's status line reports the literal packet's date: 0, as the browser writes it, so the
      // witness's clock stays out of the ciphertext.
      const key = isChunk ? ["--override-session-key", `9:${chunkKey}`] : [];
      const status = await home.gpgOk(["--status-fd", "1", ...key, "-o", "/dev/null", "--decrypt", path.join(dir, name)]);
      expect(status.stdout.toString()).toContain(`[GNUPG:] PLAINTEXT 62 0 testigo/1:${id}:${name}\n`);
    }
    // The header is padded like the browser's (to 2048 bytes of JSON): its length says nothing of the name.
    expect(parts.get("header-0")!.length).toBe(parts.get("header-2")!.length);
  });
});

describe("resume and refusals", () => {
  it("builds with --no-upload, reads the report from stdin, and --resume finishes a partial upload", async () => {
    const built = await submit(["--no-upload", "--report", "-", "--language", "en", "--allow-demo", inputs[0]!.file], "Only a free text.\n");
    expect(built.code, built.stderr).toBe(0);
    const workDir = built.stdout.toString().trim();
    const id = (await readFile(path.join(workDir, "id"), "utf8")).trim();
    // One part got through before the connection dropped.
    const header = await readFile(path.join(workDir, "parts", "header-0"));
    expect((await putPart(portal.witnessUrl, id, "header-0", header)).status).toBe(201);

    const resumed = await runScript(SUBMIT_SCRIPT, ["--resume", workDir], { env: { TMPDIR: work } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`sealed: submission ${id}`);
    const { manifest, files } = await decryptStoredWithEnvelope(blobDir(portal.dataDir, id), id, [demoKey]);
    expect(manifest.language).toBe("en");
    expect(manifest.report).toEqual({ what: "Only a free text.", where: "", when: "", who: "" });
    expect(Buffer.compare(Buffer.from(files[0]!), Buffer.from(inputs[0]!.data))).toBe(0);
  });

  it("refuses a keyring that is not signed by the pinned root key", async () => {
    const wrong = randomBytes(20).toString("hex").toUpperCase();
    const result = await runScript(SUBMIT_SCRIPT, ["--portal", portal.witnessUrl, "--root-fingerprint", wrong, "--allow-demo", inputs[2]!.file], {
      env: { TMPDIR: work },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`not the pinned ${wrong}`);
    expect((await readdir(work)).filter((n) => n.startsWith("testigo-submit."))).toEqual([]);
  });

  it("refuses a DEMO keyring unless told this is a test", async () => {
    const result = await submit([inputs[2]!.file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DEMO keyring");
  });
});
