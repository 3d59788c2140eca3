/**
 * Threat: a weak, foreign or dead key gets into the keyring, and every submission after that is
 * encrypted to a key an adversary can break, that GnuPG on Tails cannot use, or that nobody holds
 * any more. `testigo keys add` applies the key policy (app/keyring/policy.ts) to keys made the way
 * editors really make them (GnuPG 2.2, and OpenPGP.js for v6): each refusal names its rule and the
 * key's fingerprint and leaves the keyring directory untouched; the keys GnuPG makes by default
 * and RSA >= 3072 are accepted, signed, and pass the portal's own verification.
 */
import { readFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey, readKey } from "openpgp";
import { generateV4Key } from "~/keyring/generate";
import { makeGnupgHome, run, type GnupgHome } from "../support/gpg";
import { ROOT } from "../support/portal";

const CLI = path.join(ROOT, "bin/testigo.js");
const NO_NET = path.join(ROOT, "tests/support/forbid-network.mjs");

async function keys(args: string[]) {
  const r = await run(process.execPath, ["--import", NO_NET, CLI, "keys", ...args]);
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

const NO_PASSPHRASE = ["--pinentry-mode", "loopback", "--passphrase", ""];

interface MadeKey {
  fingerprint: string;
  file: string;
}

let work: string;
let home: GnupgHome;
let keysDir: string;
let rootFile: string;
let rootSecretFile: string;
let made = 0;

/** `gpg --quick-gen-key USERID PRIMARY ...` (+ `--quick-add-key` for an encryption subkey), exported. */
async function gpgKey(options: { primary: string; usage?: string; subkey?: string; expire?: string; faketime?: string }): Promise<MadeKey> {
  made += 1;
  const userId = `Editor ${made} <editor${made}@example.org>`;
  const time = options.faketime ? ["--faked-system-time", options.faketime] : [];
  await home.gpgOk([...NO_PASSPHRASE, ...time, "--quick-gen-key", userId, options.primary, options.usage ?? "default", options.expire ?? "never"]);
  const listing = (await home.gpgOk(["--with-colons", "--list-keys", `=${userId}`])).stdout.toString();
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in:\n${listing}`);
  if (options.subkey) await home.gpgOk([...NO_PASSPHRASE, ...time, "--quick-add-key", fingerprint, options.subkey, "encr", options.expire ?? "never"]);
  return exportKey(fingerprint);
}

async function exportKey(fingerprint: string): Promise<MadeKey> {
  const file = path.join(work, `${fingerprint}.asc`);
  await writeFile(file, (await home.gpgOk(["--armor", "--export", fingerprint])).stdout);
  return { fingerprint, file };
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[path.relative(dir, path.join(entry.parentPath, entry.name))] = await readFile(path.join(entry.parentPath, entry.name), "utf8");
  }
  return files;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-policy-"));
  home = await makeGnupgHome();
  keysDir = path.join(work, "keys");
  const passFile = path.join(work, "pass");
  await writeFile(passFile, "policy test root passphrase\n", { mode: 0o600 });
  const init = await keys(["root", "init", "--out", path.join(work, "root"), "--passphrase-file", passFile]);
  expect(init.code, init.stderr).toBe(0);
  rootFile = path.join(work, "root", "root.asc");
  rootSecretFile = path.join(work, "root", "root-secret.asc");
  // The keyring starts with one good key, so each refusal below is checked against a real keyring.
  const first = await gpgKey({ primary: "future-default" });
  const added = await keys(["add", first.file, "--label", "first", "--keys-dir", keysDir, "--root", rootFile]);
  expect(added.code, added.stderr).toBe(0);
});

afterAll(async () => {
  await home?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

async function expectRefused(key: MadeKey, rule: string, reason: RegExp): Promise<void> {
  const before = await snapshot(keysDir);
  const r = await keys(["add", key.file, "--label", "candidate", "--keys-dir", keysDir]);
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(r.stderr).toContain(`rule "${rule}"`);
  expect(r.stderr).toContain(key.fingerprint);
  expect(r.stderr).toMatch(reason);
  expect(await snapshot(keysDir), "a refused key changes nothing in the keyring directory").toEqual(before);
}

describe("keys add refuses, naming the rule and the key", () => {
  it("RSA-2048", async () => {
    await expectRefused(await gpgKey({ primary: "rsa2048", subkey: "rsa2048" }), "algorithm", /at least 3072 bits.*2048/);
  });

  it("DSA with an ElGamal subkey", async () => {
    await expectRefused(await gpgKey({ primary: "dsa2048", subkey: "elg2048" }), "algorithm", /algorithm dsa is not allowed/);
  });

  it("an Ed25519 primary with an ElGamal encryption subkey", async () => {
    // OpenPGP.js (config.rejectPublicKeyAlgorithms) will not encrypt to ElGamal at all, so the
    // policy finds no usable encryption subkey before its own algorithm rule is reached.
    await expectRefused(await gpgKey({ primary: "ed25519", usage: "sign", subkey: "elg3072" }), "encryption-subkey", /no valid encryption-capable subkey/);
  });

  it("a v6 key (GnuPG 2.2 cannot read it)", async () => {
    const v6 = await generateKey({ userIDs: [{ name: "Editora v6" }], config: { v6Keys: true }, format: "armored" });
    const file = path.join(work, "v6.asc");
    await writeFile(file, v6.publicKey);
    const fingerprint = (await readKey({ armoredKey: v6.publicKey })).getFingerprint().toUpperCase();
    expect(fingerprint).toHaveLength(64);
    await expectRefused({ fingerprint, file }, "v4-only", /is a v6 key/);
  });

  it("an expired key", async () => {
    const expired = await gpgKey({ primary: "future-default", expire: "1y", faketime: "20200101T000000!" });
    await expectRefused(expired, "not-expired", /expired on 2020-12-3[01]/);
  });

  it("a revoked key (GnuPG's own revocation certificate imported)", async () => {
    const key = await gpgKey({ primary: "future-default" });
    const certificate = await readFile(path.join(home.dir, "openpgp-revocs.d", `${key.fingerprint}.rev`), "utf8");
    // GnuPG stores it with a colon before the armor line so it is not imported by accident.
    await home.gpgOk(["--import"], certificate.replace(/^:-----BEGIN/m, "-----BEGIN"));
    await expectRefused(await exportKey(key.fingerprint), "not-revoked", /is revoked/);
  });

  it("a key with no encryption subkey", async () => {
    await expectRefused(await gpgKey({ primary: "ed25519", usage: "sign" }), "encryption-subkey", /no valid encryption-capable subkey/);
  });

  it("a file with two keys, a secret key, or something that is not a key", async () => {
    const a = await gpgKey({ primary: "future-default" });
    const b = await gpgKey({ primary: "future-default" });
    const both = path.join(work, "both.asc");
    await writeFile(both, (await home.gpgOk(["--armor", "--export", a.fingerprint, b.fingerprint])).stdout);
    const two = await keys(["add", both, "--label", "two", "--keys-dir", keysDir]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/holds 2 keys/);

    const secret = path.join(work, "secret.asc");
    await writeFile(secret, (await home.gpgOk([...NO_PASSPHRASE, "--armor", "--export-secret-keys", a.fingerprint])).stdout);
    const sec = await keys(["add", secret, "--label", "secret", "--keys-dir", keysDir]);
    expect(sec.code).toBe(2);
    expect(sec.stderr).toMatch(/holds a secret key/);

    const junk = path.join(work, "junk.asc");
    await writeFile(junk, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n");
    const bad = await keys(["add", junk, "--label", "junk", "--keys-dir", keysDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a readable OpenPGP public key/);
  });

  it("the root key as an editor key, and a keyring started without a root", async () => {
    const rootAsEditor = await keys(["add", rootFile, "--label", "root", "--keys-dir", keysDir]);
    expect(rootAsEditor.code).toBe(2);
    const empty = path.join(work, "empty-keys");
    const noRoot = await keys(["add", (await gpgKey({ primary: "future-default" })).file, "--label", "x", "--keys-dir", empty]);
    expect(noRoot.code).toBe(1);
    expect(noRoot.stderr).toMatch(/--root root\.asc/);
    // --root must be the keyring's own root once one exists.
    const other = await generateV4Key({ name: "Other root", encryption: false });
    const otherFile = path.join(work, "other-root.asc");
    await writeFile(otherFile, other.armoredPublic);
    const wrongRoot = await keys(["add", (await gpgKey({ primary: "future-default" })).file, "--label", "x", "--keys-dir", keysDir, "--root", otherFile]);
    expect(wrongRoot.code).toBe(2);
    expect(wrongRoot.stderr).toMatch(/is not the root key already in/);
  });
});

describe("keys add accepts what GnuPG makes by default, and RSA >= 3072", () => {
  it("Ed25519/Curve25519 (future-default), RSA-3072 and RSA-4096; signed, the keyring verifies", async () => {
    const accepted = [
      { label: "gpg future-default", key: await gpgKey({ primary: "future-default" }), algorithm: "ed25519 + cv25519" },
      { label: "gpg rsa3072", key: await gpgKey({ primary: "rsa3072", subkey: "rsa3072" }), algorithm: "rsa3072 + rsa3072" },
      { label: "gpg rsa4096", key: await gpgKey({ primary: "rsa4096", subkey: "rsa4096" }), algorithm: "rsa4096 + rsa4096" },
    ];
    for (const a of accepted) {
      const r = await keys(["add", a.key.file, "--label", a.label, "--keys-dir", keysDir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/encryption subkey [0-9A-F]{16}/);
      expect(r.stdout).not.toMatch(/warning/);
    }
    // Accepted with a warning: it expires within EXPIRY_WARNING_DAYS.
    const soon = await gpgKey({ primary: "future-default", expire: "10d" });
    const w = await keys(["add", soon.file, "--label", "expires soon", "--keys-dir", keysDir]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(new RegExp(`warning: key ${soon.fingerprint} expires on \\d{4}-\\d{2}-\\d{2}; rotate it`));

    const status = await keys(["status", "--keys-dir", keysDir]);
    for (const a of accepted) expect(status.stdout).toContain(`"${a.label}"\n  status:    active`);
    for (const a of accepted) expect(status.stdout).toContain(`key:       ${a.algorithm}, expires never`);
    expect(status.stdout).toMatch(/warnings:\n(.*\n)*.*expires on .*; rotate it/);

    const passFile = path.join(work, "pass");
    const signed = await keys(["sign", "--root-key", rootSecretFile, "--keys-dir", keysDir, "--passphrase-file", passFile]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/encrypted to 5 key\(s\)/);
    const verified = await keys(["verify", "--keys-dir", keysDir]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/warning: key .* expires on/);
  });
});
