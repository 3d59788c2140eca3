/**
 * Shared by the editor security tests and the editor browser test: enrol an editor through the
 * real CLI (against the running portal's data directory), compute TOTP codes as an authenticator
 * app would, and drive the editor listener over raw HTTP with a small cookie jar.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Readable } from "node:stream";
import { Secret, TOTP } from "otpauth";
import { extract } from "tar-stream";
import Database from "better-sqlite3";
import { ROOT, rawRequest, type RawResponse } from "../support/portal";

const run = promisify(execFile);

export const SESSION_COOKIE = "__Host-testigo_editor";
export const LOGIN_COOKIE = "__Host-testigo_login";
export const PASSWORD = "correct horse battery staple";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/testigo.js editors ARGS` with TESTIGO_DATA_DIR, as an operator on the server host runs it. */
export async function editorsCli(dataDir: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, "bin/testigo.js"), "editors", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: "test", TESTIGO_DATA_DIR: dataDir },
      encoding: "utf8",
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof Error && "stdout" in error && "stderr" in error && "code" in error) {
      return { code: typeof error.code === "number" ? error.code : 1, stdout: String(error.stdout), stderr: String(error.stderr) };
    }
    throw error;
  }
}

/** The base32 secret printed by `editors add` / `reset-2fa`. */
export function secretFromOutput(stdout: string): string {
  const match = /type the secret by hand: ([A-Z2-7 ]+)\n/.exec(stdout);
  if (!match?.[1]) throw new Error(`no TOTP secret in:\n${stdout}`);
  return match[1].replace(/ /g, "");
}

export async function addEditor(dataDir: string, name: string, password = PASSWORD): Promise<{ secret: string }> {
  const file = path.join(dataDir, `pw-${name}.txt`);
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  const result = await editorsCli(dataDir, ["add", name, "--password-file", file]);
  if (result.code !== 0) throw new Error(`editors add failed: ${result.stderr}`);
  return { secret: secretFromOutput(result.stdout) };
}

/** The code an authenticator app shows now, or `steps` 30-second steps away. */
export function totpCode(secret: string, steps = 0): string {
  return new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps * 30_000 });
}

export function originOf(url: string): string {
  return new URL(url).origin;
}

/** A cookie jar plus the headers a same-origin browser form post carries. */
export class EditorClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private absorb(res: RawResponse): void {
    const set = res.headers["set-cookie"] ?? [];
    for (const line of set) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (attributes.some((a) => /^max-age=0$/i.test(a)) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const res = await rawRequest(this.baseUrl, { method: "GET", path: target, headers: { Cookie: this.cookieHeader(), ...headers } });
    this.absorb(res);
    return res;
  }

  /** A form post as a browser on the editor's own page sends it; override any header to forge. */
  async post(target: string, fields: Record<string, string>, headers: Record<string, string | null> = {}): Promise<RawResponse> {
    const base: Record<string, string | null> = {
      Origin: originOf(this.baseUrl),
      "Sec-Fetch-Site": "same-origin",
      Cookie: this.cookieHeader(),
      "Content-Type": "application/x-www-form-urlencoded",
      ...headers,
    };
    const sent: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) if (v !== null) sent[k] = v;
    const res = await rawRequest(this.baseUrl, { method: "POST", path: target, headers: sent, body: new TextEncoder().encode(new URLSearchParams(fields).toString()) });
    this.absorb(res);
    return res;
  }

  /** The login form's CSRF token (and its cookie, now in the jar). */
  async loginToken(): Promise<string> {
    const res = await this.get("/editor/login");
    if (res.status !== 200) throw new Error(`GET /editor/login: ${res.status}`);
    return csrfFrom(res.text);
  }

  async login(name: string, password: string, code: string): Promise<RawResponse> {
    const csrf = await this.loginToken();
    return this.post("/editor/login", { name, password, code, csrf });
  }

  /** Logs in and returns the inbox page's CSRF token; throws unless it worked. */
  async loginOk(name: string, secret: string, password = PASSWORD, steps = 0): Promise<string> {
    const res = await this.login(name, password, totpCode(secret, steps));
    if (res.status !== 303 || res.headers.location !== "/editor") throw new Error(`login failed: ${res.status} ${String(res.headers.location)}`);
    return this.sessionCsrf();
  }

  /** The session's CSRF token, as the inbox's logout form carries it. */
  async sessionCsrf(): Promise<string> {
    const inbox = await this.get("/editor");
    if (inbox.status !== 200) throw new Error(`GET /editor: ${inbox.status}`);
    return csrfFrom(inbox.text);
  }

  session(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }
}

export function csrfFrom(html: string): string {
  const match = /name="csrf" value="([A-Za-z0-9_-]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no csrf field in:\n${html.slice(0, 500)}`);
  return match[1];
}

/** Read-write access to the portal's database, for tests that age sessions (safe: WAL, busy timeout). */
export function withDb<T>(dataDir: string, task: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, "testigo.sqlite"), { fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  try {
    return task(db);
  } finally {
    db.close();
  }
}

/** True when the response is the login redirect (pages) or a 401 (downloads, actions). */
export function isUnauthenticated(res: RawResponse): boolean {
  return res.status === 401 || ((res.status === 302 || res.status === 303) && res.headers.location === "/editor/login");
}

/** The entries of a tar bundle, by name. */
export async function untar(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const reading = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) {
        if (!Buffer.isBuffer(chunk)) throw new Error("tar entry yielded a non-Buffer chunk");
        chunks.push(chunk);
      }
      files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  Readable.from([bytes]).pipe(ex);
  await reading;
  return files;
}
