/**
 * Starts the real portal (`node --import tsx server/main.ts`) as a child process on loopback with
 * a fresh data directory, and parses its start-up lines. A child process, not in-process, so tests
 * can kill -9 it and restart it on the same data.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Portal {
  witnessUrl: string;
  editorUrl: string;
  witnessPort: number;
  editorPort: number;
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

export function portOf(url: string): number {
  return Number(new URL(url).port);
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
    witnessPort: portOf(witnessUrl),
    editorPort: portOf(editorUrl),
    dataDir,
    demoSecretKeyPath,
    process: child,
    output: () => out,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
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

export interface ExitResult {
  /** Exit code; null when the portal had to be killed (it started, or hung). */
  code: number | null;
  output: string;
  /** True when the portal got as far as listening (a refusal test then failed). */
  started: boolean;
}

/**
 * Runs the portal's start-up and returns its exit code and output, for refusal tests. If the
 * portal starts listening instead of refusing, it is killed at once and `started` is true.
 * Pass TESTIGO_DATA_DIR: the default ("data" under the repository) must never be touched by tests.
 */
export async function runPortalExpectingExit(env: Record<string, string>): Promise<ExitResult> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", EDITOR_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let started = false;
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
    if (!started && /editor interface listening on/.test(output)) {
      started = true;
      child.kill("SIGKILL");
    }
  });
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
  return { code, output, started };
}

/** Every regular file under dir, as paths relative to dir (sorted); [] when dir does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return [];
    throw error;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation, no percent-decoding (unlike fetch/URL). */
  path: string;
  headers?: Record<string, string | number>;
  /** One Uint8Array: sent with Content-Length unless headers say otherwise. An array: sent chunked. */
  body?: Uint8Array | Uint8Array[];
}

/**
 * One HTTP/1.1 request over a fresh connection, with full control over the request line and
 * headers. Write errors after the server has answered (it may close early on 413) are ignored:
 * what counts is the response.
 */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    const chunked = Array.isArray(req.body);
    if (req.body instanceof Uint8Array && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length" || h.toLowerCase() === "transfer-encoding")) {
      headers["Content-Length"] = req.body.length;
    }
    const client = httpRequest({
      host: url.hostname,
      port: Number(url.port),
      method: req.method,
      path: req.path,
      headers,
      agent: false,
    });
    let answered = false;
    client.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
      });
      res.on("error", reject);
    });
    client.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (chunked && Array.isArray(req.body)) {
      for (const piece of req.body) client.write(piece);
      client.end();
    } else if (req.body instanceof Uint8Array) {
      client.end(req.body);
    } else {
      client.end();
    }
  });
}
