/**
 * Starts the real portal (`node --import tsx server/main.ts`) as a child process on loopback with
 * a fresh data directory, and parses its start-up lines. A child process, not in-process, so tests
 * can kill -9 it and restart it on the same data.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Portal {
  witnessUrl: string;
  editorUrl: string;
  dataDir: string;
  demoSecretKeyPath: string | null;
  process: ChildProcess;
  output(): string;
  /** SIGKILL: the crash a power cut or the OOM killer would cause. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface PortalOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** Reuse ports (restart after a crash must come back on the same URL for a browser to resume). */
  witnessPort?: number;
  editorPort?: number;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "testigo-test-"));
}

export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function startPortal(options: PortalOptions = {}): Promise<Portal> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/main.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: "test",
      TESTIGO_DATA_DIR: dataDir,
      TESTIGO_KEYS_DIR: path.join(dataDir, "no-keys-configured"),
      HOST: "127.0.0.1",
      PORT: String(options.witnessPort ?? 0),
      EDITOR_PORT: String(options.editorPort ?? 0),
      TESTIGO_MIN_FREE_BYTES: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    const check = () => {
      if (/editor interface listening on/.test(out)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on("data", check);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`portal did not start:\n${out}`);
  }
  const witnessUrl = /witness portal listening on (\S+)/.exec(out)?.[1];
  const editorUrl = /editor interface listening on (\S+)/.exec(out)?.[1];
  if (!witnessUrl || !editorUrl) throw new Error(`cannot parse portal URLs from:\n${out}`);
  const demoSecretKeyPath = /demo editor secret key \(unprotected\): (\S+)/.exec(out)?.[1] ?? null;

  return {
    witnessUrl,
    editorUrl,
    dataDir,
    demoSecretKeyPath,
    process: child,
    output: () => out,
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** Runs the portal's start-up and returns its exit code and output, for refusal tests. */
export async function runPortalExpectingExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", EDITOR_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 60_000);
    child.once("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output };
}
