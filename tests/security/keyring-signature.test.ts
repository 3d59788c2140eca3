/**
 * Threat: someone with write access to the server's keys directory (or to the copy on its way
 * there) changes who submissions are encrypted to: adds their own key, re-activates a retired
 * (perhaps compromised) key, swaps a key file, or brings a whole keyring signed by a root of their
 * own. Without the organisation's root secret key none of it may pass: `testigo keys verify` and
 * the production portal at start (root pinned) both refuse, with the reason, and the portal does
 * not start. A validly signed but older keyring put back over a newer one is caught by `keys verify`.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyringDocumentSchema } from "~/keyring/document";
import { generateV4Key } from "~/keyring/generate";
import { signKeyringDocument } from "../../server/keyring/sign";
import { run } from "../support/gpg";
import { ROOT, runPortalExpectingExit, type ExitResult } from "../support/portal";

const CLI = path.join(ROOT, "bin/testigo.js");
const NO_NET = path.join(ROOT, "tests/support/forbid-network.mjs");

async function keys(args: string[]) {
  const r = await run(process.execPath, ["--import", NO_NET, CLI, "keys", ...args]);
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

async function keysOk(args: string[]): Promise<string> {
  const r = await keys(args);
  expect(r.code, `testigo keys ${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

function fingerprintFrom(output: string): string {
  const fpr = /TESTIGO_ROOT_FINGERPRINT=([0-9A-F]{40})/.exec(output)?.[1] ?? /fingerprint: ([0-9A-F ]{50})/.exec(output)?.[1]?.replace(/ /g, "");
  if (!fpr) throw new Error(`no fingerprint in:\n${output}`);
  return fpr;
}

let work: string;
let passFile: string;
let baseDir: string;
let v1Snapshot: { document: string; signature: string };
let rootFpr: string;
let editorA: string;
let editorB: string;
let intruder: { fingerprint: string; armoredPublic: string };
let otherRoot: { dir: string; fingerprint: string };

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-keyring-sig-"));
  passFile = path.join(work, "pass");
  await writeFile(passFile, "signature test root passphrase\n", { mode: 0o600 });
  rootFpr = fingerprintFrom(await keysOk(["root", "init", "--out", path.join(work, "root"), "--passphrase-file", passFile]));
  otherRoot = {
    dir: path.join(work, "other-root"),
    fingerprint: fingerprintFrom(await keysOk(["root", "init", "--out", path.join(work, "other-root"), "--passphrase-file", passFile])),
  };
  editorA = fingerprintFrom(await keysOk(["editor", "new", "Ana", "--out", path.join(work, "editors"), "--passphrase-file", passFile]));
  editorB = fingerprintFrom(await keysOk(["editor", "new", "Bruno", "--out", path.join(work, "editors"), "--passphrase-file", passFile]));
  intruder = await generateV4Key({ name: "Not an editor", encryption: true });

  // The base keyring: A active, B enrolled then retired; signed at version 1 and again at 3.
  baseDir = path.join(work, "keys");
  const sign = () => keysOk(["sign", "--root-key", path.join(work, "root", "root-secret.asc"), "--keys-dir", baseDir, "--passphrase-file", passFile]);
  await keysOk(["add", path.join(work, "editors", `${editorA}.public.asc`), "--label", "Ana", "--keys-dir", baseDir, "--root", path.join(work, "root", "root.asc")]);
  await sign();
  v1Snapshot = {
    document: await readFile(path.join(baseDir, "keyring.json"), "utf8"),
    signature: await readFile(path.join(baseDir, "keyring.json.asc"), "utf8"),
  };
  await keysOk(["add", path.join(work, "editors", `${editorB}.public.asc`), "--label", "Bruno", "--keys-dir", baseDir]);
  await keysOk(["retire", editorB, "--keys-dir", baseDir]);
  await sign();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

let copies = 0;
async function copyOfBase(): Promise<string> {
  const dir = path.join(work, `case-${copies++}`);
  await cp(baseDir, dir, { recursive: true });
  return dir;
}

async function editDocument(dir: string, edit: (doc: ReturnType<typeof KeyringDocumentSchema.parse>) => void): Promise<void> {
  const file = path.join(dir, "keyring.json");
  const doc = KeyringDocumentSchema.parse(JSON.parse(await readFile(file, "utf8")));
  edit(doc);
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
}

async function startProduction(dir: string, pinned = rootFpr): Promise<ExitResult> {
  return runPortalExpectingExit({
    NODE_ENV: "production",
    TESTIGO_KEYS_DIR: dir,
    TESTIGO_ROOT_FINGERPRINT: pinned,
    TESTIGO_DATA_DIR: path.join(work, `data-${copies++}`),
    TESTIGO_MIN_FREE_BYTES: "0",
  });
}

async function expectRefusedEverywhere(dir: string, reason: RegExp): Promise<void> {
  const verified = await keys(["verify", "--keys-dir", dir, "--root-fingerprint", rootFpr]);
  expect(verified.code, verified.stdout + verified.stderr).toBe(2);
  expect(verified.stderr).toMatch(reason);
  expect(verified.stdout).not.toMatch(/^OK/m);

  const server = await startProduction(dir);
  expect(server.started, `the portal started on a tampered keyring:\n${server.output}`).toBe(false);
  expect(server.code, server.output).not.toBe(0);
  expect(server.code, server.output).not.toBeNull();
  expect(server.output).toMatch(/refusing to start/);
  expect(server.output).toMatch(reason);
}

describe("the untouched keyring is the control", () => {
  it("verifies and the production portal starts on it", async () => {
    expect(await keysOk(["verify", "--keys-dir", baseDir, "--root-fingerprint", rootFpr])).toMatch(/^OK: keyring version 3/);
    const server = await startProduction(baseDir);
    expect(server.started, server.output).toBe(true);
  });
});

describe("a keyring edited by hand without re-signing is refused by keys verify and by the portal", () => {
  it("a key added by hand (file in editors/, entry in the document, version bumped)", async () => {
    const dir = await copyOfBase();
    await writeFile(path.join(dir, "editors", `${intruder.fingerprint}.asc`), intruder.armoredPublic);
    await editDocument(dir, (doc) => {
      doc.version += 1;
      doc.keys.push({ fingerprint: intruder.fingerprint, label: "Ana (new key)", role: "editor", status: "active", added: "2026-01-02" });
    });
    await expectRefusedEverywhere(dir, /signature does not verify/);
  });

  it("a retired key flipped back to active", async () => {
    const dir = await copyOfBase();
    await editDocument(dir, (doc) => {
      for (const k of doc.keys) {
        if (k.fingerprint === editorB) {
          k.status = "active";
          delete k.retired;
        }
      }
    });
    await expectRefusedEverywhere(dir, /signature does not verify/);
  });

  it("the active key retired and the retired one re-activated (who reads is swapped)", async () => {
    const dir = await copyOfBase();
    await editDocument(dir, (doc) => {
      for (const k of doc.keys) {
        if (k.fingerprint === editorA) {
          k.status = "retired";
          k.retired = "2026-01-03";
        } else {
          k.status = "active";
          delete k.retired;
        }
      }
    });
    await expectRefusedEverywhere(dir, /signature does not verify/);
  });

  it("only the whitespace of the document changed", async () => {
    const dir = await copyOfBase();
    const file = path.join(dir, "keyring.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"version": 3', '"version":  3'));
    await expectRefusedEverywhere(dir, /signature does not verify/);
  });

  it("an active editor's key file swapped for another key under the same name", async () => {
    const dir = await copyOfBase();
    await writeFile(path.join(dir, "editors", `${editorA}.asc`), intruder.armoredPublic);
    await expectRefusedEverywhere(dir, new RegExp(`active key ${editorA} \\(Ana\\) is listed but not provided`));
  });
});

describe("a keyring signed by another root key is refused", () => {
  it("a consistent keyring of the intruder's own (their root in root.asc and in the document)", async () => {
    const dir = await copyOfBase();
    await cp(path.join(otherRoot.dir, "root.asc"), path.join(dir, "root.asc"));
    await rm(path.join(dir, "keyring.last-signed.json"));
    await writeFile(path.join(dir, "editors", `${intruder.fingerprint}.asc`), intruder.armoredPublic);
    await editDocument(dir, (doc) => {
      doc.version += 1;
      doc.root = otherRoot.fingerprint;
      doc.keys.push({ fingerprint: intruder.fingerprint, label: "Intruder", role: "editor", status: "active", added: "2026-01-02" });
    });
    // Made with the real program: only the pinned fingerprint tells this keyring apart.
    await keysOk(["sign", "--root-key", path.join(otherRoot.dir, "root-secret.asc"), "--keys-dir", dir, "--passphrase-file", passFile]);
    await expectRefusedEverywhere(dir, new RegExp(`signed by root key ${otherRoot.fingerprint}, not by the trusted root ${rootFpr}`));

    // Unpinned, keys verify can only say so; this is why production requires the pin.
    const unpinned = await keys(["verify", "--keys-dir", dir]);
    expect(unpinned.code).toBe(0);
    expect(unpinned.stdout).toMatch(/warning: no root fingerprint pinned/);
  });

  it("the real document and root.asc with a signature made by another root", async () => {
    const dir = await copyOfBase();
    const text = await readFile(path.join(dir, "keyring.json"), "utf8");
    const other = await generateV4Key({ name: "Another root", encryption: false });
    await writeFile(path.join(dir, "keyring.json.asc"), await signKeyringDocument(text, other.armoredPrivate));
    await expectRefusedEverywhere(dir, /signature does not verify/);
  });

  it("keys sign itself will not sign with a root the document does not name", async () => {
    const dir = await copyOfBase();
    await editDocument(dir, (doc) => {
      doc.version += 1;
    });
    const r = await keys(["sign", "--root-key", path.join(otherRoot.dir, "root-secret.asc"), "--keys-dir", dir, "--passphrase-file", passFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the keyring names root/);
  });
});

describe("an older signed keyring put back over a newer one", () => {
  it("is caught by keys verify (the last signed copy shows a higher version)", async () => {
    const dir = await copyOfBase();
    await writeFile(path.join(dir, "keyring.json"), v1Snapshot.document);
    await writeFile(path.join(dir, "keyring.json.asc"), v1Snapshot.signature);
    const r = await keys(["verify", "--keys-dir", dir, "--root-fingerprint", rootFpr]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/version 1 is older than version 3 .* a rollback/);
  });
});
