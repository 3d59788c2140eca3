/**
 * Threat: the adversary seizes and images the server (or reads its logs) and learns who a witness
 * is or when exactly they submitted: an IP address, a User-Agent, a timestamp, a request line in a
 * log, or any plaintext of the report. Promise 1 and 2: the database stores days at most, the
 * logs name no request, and nothing the witness typed or attached is on disk in the clear.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, toHex } from "~/envelope/hex";
import { listFiles, rawRequest, removeDataDir, startPortal, type Portal, type PortalOptions } from "../support/portal";
import { makeEditorKey, writeSignedKeyring } from "../support/keys";
import { buildSubmission, fetchRecipients, newSubmissionId, type BuiltSubmission } from "../support/submission";
import { dbPath } from "./helpers/fixture";

const tag = toHex(randomBytes(6));
const USER_AGENT = `Mozilla/5.0 (Linux; Android 13; TestigoUA-${tag}) Gecko/20100101 Firefox/115.0`;
const FORWARDED_IP = "198.51.100.73";
const REAL_IP = "203.0.113.191";
const REPORT = `Informe-centinela-${tag}: la mesa 12 cerró a las 16:05 con 311 votos`;
const FILE_NAME = `acta-centinela-${tag}.jpg`;
const FILE_TEXT = `contenido-centinela-${tag}`;
const PAGE_PATH = `/pagina-centinela-${tag}`;
const IDENTIFYING_HEADERS = {
  "User-Agent": USER_AGENT,
  "X-Forwarded-For": `${FORWARDED_IP}, 10.0.0.1`,
  "X-Real-IP": REAL_IP,
  Forwarded: `for=${FORWARDED_IP};proto=https`,
  "Accept-Language": `es-VE,es;q=0.9,x-${tag}`,
  Referer: `http://referer-${tag}.example/`,
};

let keysDir = "";
async function cleanup(): Promise<void> {
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
}

/**
 * Two ways the portal runs: `npm start`'s defaults (NODE_ENV unset means development, demo keys),
 * and production with a signed keyring and a pinned root. The promises hold in both.
 */
const MODE_NAMES = ["npm start defaults", "production"] as const;
const MODES: Record<(typeof MODE_NAMES)[number], () => Promise<PortalOptions>> = {
  "npm start defaults": async () => ({ env: { NODE_ENV: "development" } }),
  production: async () => {
    keysDir = await mkdtemp(path.join(os.tmpdir(), "testigo-keys-"));
    const keyring = await writeSignedKeyring(keysDir, { editors: [{ key: await makeEditorKey(), status: "active" }] });
    return { env: { NODE_ENV: "production", TESTIGO_KEYS_DIR: keysDir, TESTIGO_ROOT_FINGERPRINT: keyring.rootFingerprint } };
  },
};

describe.each(MODE_NAMES)("%s", (mode) => {
  const options = MODES[mode];
  let portal: Portal;
  let sub: BuiltSubmission;
  /** Everything the portal wrote to stdout/stderr after its start-up lines. */
  let logAfterStart = "";
  /** Raw bytes of every file under the data directory, read while the portal still ran (WAL live). */
  let filesWhileRunning: { file: string; bytes: Buffer }[] = [];

  const sentinels = () => [USER_AGENT, `TestigoUA-${tag}`, FORWARDED_IP, REAL_IP, REPORT, `centinela-${tag}`, FILE_NAME, FILE_TEXT, `x-${tag}`, `referer-${tag}`];

  beforeAll(async () => {
    portal = await startPortal(await options());
    const startup = portal.output();
    const { recipients } = await fetchRecipients(portal.witnessUrl);
    const data = new TextEncoder().encode(`${FILE_TEXT} `.repeat(400));
    sub = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: FILE_NAME, type: "image/jpeg", data }], report: { what: REPORT, who: `testigo-${tag}` } });

    const send = (method: string, target: string, headers: Record<string, string> = {}, body?: Uint8Array) =>
      rawRequest(portal.witnessUrl, { method, path: target, headers: { ...IDENTIFYING_HEADERS, ...headers }, body });
    // A complete submission, a failed one, pages, errors: everything a witness's browser might do.
    for (const p of sub.parts) {
      expect((await send("PUT", `/api/v1/submissions/${sub.id}/parts/${p.name}`, { "Content-Type": "application/octet-stream" }, p.bytes)).status).toBe(201);
    }
    expect((await send("POST", `/api/v1/submissions/${sub.id}/seal`, { "Content-Type": "application/json" }, new TextEncoder().encode(JSON.stringify(sub.seal)))).status).toBe(200);
    await send("GET", `/api/v1/submissions/${sub.id}`);
    await send("GET", "/");
    await send("GET", PAGE_PATH);
    await send("GET", `/api/v1/nothing-${tag}`);
    await send("PUT", `/api/v1/submissions/${newSubmissionId()}/parts/manifest`, { "Content-Type": "application/octet-stream" }, new TextEncoder().encode(REPORT));
    await send("PUT", `/api/v1/submissions/${newSubmissionId()}/parts/manifest`, { "Content-Type": "text/plain" }, new TextEncoder().encode(REPORT));
    await send("POST", `/api/v1/submissions/${newSubmissionId()}/seal`, { "Content-Type": "application/json" }, new TextEncoder().encode(`{"what":"${REPORT}"`));
    await send("POST", "/", { "Content-Type": "application/x-www-form-urlencoded" }, new TextEncoder().encode(`what=${encodeURIComponent(REPORT)}`));
    await rawRequest(portal.editorUrl, { method: "GET", path: PAGE_PATH, headers: IDENTIFYING_HEADERS });

    filesWhileRunning = await Promise.all(
      (await listFiles(portal.dataDir)).map(async (file) => ({ file, bytes: await readFile(path.join(portal.dataDir, file)) })),
    );
    await portal.stop();
    logAfterStart = portal.output().slice(startup.length);
  });

  afterAll(async () => {
    await portal.stop();
    await removeDataDir(portal.dataDir);
    await cleanup();
  });

  describe("logs", () => {
    it("name no request: no path, IP, User-Agent, header or submission id", () => {
      for (const secret of [...sentinels(), PAGE_PATH, sub.id, "127.0.0.1", "GET /", "PUT /", "POST /", "/api/v1/submissions"]) {
        expect(logAfterStart.includes(secret), `the server log contains "${secret}":\n${logAfterStart.slice(0, 2000)}`).toBe(false);
      }
    });
  });

  describe("the data directory", () => {
    it("holds none of the report, the file name, the file's bytes, or the witness's request headers", () => {
      expect(filesWhileRunning.some((f) => f.file === "testigo.sqlite-wal" || f.file === "testigo.sqlite")).toBe(true);
      for (const { file, bytes } of filesWhileRunning) {
        for (const secret of sentinels()) {
          for (const encoding of ["utf8", "utf16le"] as const) {
            expect(bytes.includes(Buffer.from(secret, encoding)), `${file} contains "${secret}" (${encoding})`).toBe(false);
          }
        }
        expect(bytes.includes(Buffer.from("127.0.0.1")), `${file} contains the client address`).toBe(false);
      }
    });

    it("the database schema has no column for an address, an agent or a time, and stores days only", () => {
      const db = new Database(dbPath(portal.dataDir), { readonly: true });
      try {
        const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
        expect(tables.length).toBeGreaterThan(0);
        const now = Date.now();
        let checkedValues = 0;
        for (const table of tables) {
          if (typeof table !== "object" || table === null || !("name" in table) || typeof table.name !== "string") throw new Error("bad sqlite_master row");
          const columns = db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(table.name);
          for (const column of columns) {
            if (typeof column !== "object" || column === null || !("name" in column) || typeof column.name !== "string") throw new Error("bad column");
            expect(column.name, `${table.name}.${column.name}`).not.toMatch(/(^|_)(ip|addr|address|agent|ua|useragent|user_agent|time|timestamp|ts|at|host|remote|client|referer|referrer|language|lang)(_|$)/i);
            expect("type" in column ? String(column.type) : "", `${table.name}.${column.name}`).not.toMatch(/date|time/i);
          }
          for (const row of db.prepare(`SELECT * FROM "${table.name.replaceAll('"', '""')}"`).all()) {
            if (typeof row !== "object" || row === null) continue;
            for (const [column, value] of Object.entries(row)) {
              checkedValues++;
              const where = `${table.name}.${column} = ${String(value)}`;
              if (typeof value === "string") {
                // Any date-like value is a bare day; nothing carries a time of day.
                if (/\d{4}-\d{2}-\d{2}/.test(value)) expect(value, where).toMatch(/^\d{4}-\d{2}-\d{2}$/);
                expect(value, where).not.toMatch(/\d{1,2}:\d{2}/);
              }
              if (typeof value === "number" || typeof value === "bigint") {
                const n = Number(value);
                // Neither Unix seconds nor milliseconds of the last few days.
                for (const scale of [1000, 1]) {
                  const asMs = n * scale;
                  expect(Math.abs(asMs - now) < 3 * 86_400_000, `${where} looks like a timestamp`).toBe(false);
                }
              }
            }
          }
        }
        expect(checkedValues).toBeGreaterThan(0);
        const days = db.prepare("SELECT created_day, sealed_day FROM submissions WHERE id = ?").get(sub.id);
        expect(days).toMatchObject({ created_day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), sealed_day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      } finally {
        db.close();
      }
    });

    it("keeps only the expected files: database, blobs, temp dir, demo keys", async () => {
      const top = (await readdir(portal.dataDir)).sort();
      for (const entry of top) expect(["blobs", "demo-keys", "demo-secret", "testigo.sqlite", "testigo.sqlite-shm", "testigo.sqlite-wal", "tmp"], entry).toContain(entry);
      if (mode === "production") expect(top.filter((e) => e.startsWith("demo"))).toEqual([]);
      expect(await listFiles(path.join(portal.dataDir, "blobs", sub.id))).toEqual(sub.parts.map((p) => p.name).sort());
    });
  });
});
