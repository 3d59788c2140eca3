/**
 * GnuPG for interop tests: a throwaway GNUPGHOME per test (never the developer's keyring), and a
 * runner for gpg and for the scripts in scripts/. Children get a minimal environment, so nothing
 * of the caller's (GPG_AGENT_INFO, a gpg.conf with default-recipient, LANG) changes the result.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, chmod } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./portal";

/** From PATH: the same gpg the scripts run. */
export const GPG = "gpg";

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: Uint8Array | string; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? ROOT,
      // LC_ALL=C: gpg's messages and status lines in a known language and encoding.
      env: { NODE_ENV: "test", PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), LC_ALL: "C", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 110_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    // A child may exit before reading its input (e.g. on a usage error); that is its answer,
    // reported through its exit code, not an EPIPE exception in the test process.
    child.stdin.on("error", () => undefined);
    if (options.input === undefined) child.stdin.end();
    else child.stdin.end(options.input);
  });
}

export interface GnupgHome {
  dir: string;
  /** gpg --batch with this home; resolves whatever the exit code. */
  gpg(args: readonly string[], input?: Uint8Array | string): Promise<RunResult>;
  /** Like gpg(), but throws with gpg's stderr unless it exits 0. */
  gpgOk(args: readonly string[], input?: Uint8Array | string): Promise<RunResult>;
  env: Record<string, string>;
  /** Stops the agent this home may have started and deletes the home. */
  remove(): Promise<void>;
}

export async function makeGnupgHome(): Promise<GnupgHome> {
  // Short path under the system temp dir: gpg-agent's socket path must stay under ~100 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), "tgpg-"));
  await chmod(dir, 0o700);
  const env = { GNUPGHOME: dir };
  const gpg = (args: readonly string[], input?: Uint8Array | string) => run(GPG, ["--batch", "--no-tty", ...args], { env, input });
  return {
    dir,
    env,
    gpg,
    async gpgOk(args, input) {
      const result = await gpg(args, input);
      if (result.code !== 0) throw new Error(`gpg ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
      return result;
    },
    async remove() {
      await run("gpgconf", ["--homedir", dir, "--kill", "all"], { env });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface GpgKey {
  fingerprint: string;
  armoredPublic: string;
  /** Unprotected, so tests need no pinentry; also what OpenPGP.js reads in the cross-checks. */
  armoredSecret: string;
}

/**
 * A key made by GnuPG itself, the way an editor would on Tails:
 *   "ed25519": `gpg --quick-gen-key NAME future-default` (Ed25519 primary + Curve25519 subkey);
 *   "rsa3072": `--quick-gen-key NAME rsa3072` makes a sign-only primary, so an RSA-3072
 *              encryption subkey is added with `--quick-add-key`.
 */
export async function gpgGenerateKey(home: GnupgHome, kind: "ed25519" | "rsa3072", userId: string): Promise<GpgKey> {
  const noPassphrase = ["--pinentry-mode", "loopback", "--passphrase", ""];
  await home.gpgOk([...noPassphrase, "--quick-gen-key", userId, kind === "ed25519" ? "future-default" : "rsa3072", "default", "never"]);
  const listing = (await home.gpgOk(["--with-colons", "--list-keys", `=${userId}`])).stdout.toString();
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint for ${userId} in:\n${listing}`);
  if (kind === "rsa3072") await home.gpgOk([...noPassphrase, "--quick-add-key", fingerprint, "rsa3072", "encr", "never"]);
  const armoredPublic = (await home.gpgOk(["--armor", "--export", fingerprint])).stdout.toString();
  const armoredSecret = (await home.gpgOk([...noPassphrase, "--armor", "--export-secret-keys", fingerprint])).stdout.toString();
  return { fingerprint, armoredPublic, armoredSecret };
}

export const DECRYPT_SCRIPT = path.join(ROOT, "scripts/gpg-decrypt-submission.sh");
export const SUBMIT_SCRIPT = path.join(ROOT, "scripts/submit-with-gpg-curl.sh");

/** Runs one of scripts/*.sh with bash (not relying on the executable bit) and a GnuPG home. */
export function runScript(script: string, args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return run("bash", [script, ...args], { env: options.env, input: options.input });
}
