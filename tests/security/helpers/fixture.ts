/**
 * Shared fixtures for tests that drive a real portal: one portal per describe block, stopped and
 * its data directory removed afterwards; and the facts a test checks after a refused upload.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect } from "vitest";
import { listFiles, removeDataDir, startPortal, type Portal, type PortalOptions } from "../../support/portal";
import { ApiErrorSchema, getStatus } from "../../support/submission";

/** Starts a portal before the block's tests and stops it after; call the result inside tests. */
export function withPortal(options: PortalOptions | (() => PortalOptions | Promise<PortalOptions>) = {}): () => Portal {
  let portal: Portal | undefined;
  beforeAll(async () => {
    portal = await startPortal(typeof options === "function" ? await options() : options);
  });
  afterAll(async () => {
    if (!portal) return;
    await portal.stop();
    await removeDataDir(portal.dataDir);
  });
  return () => {
    if (!portal) throw new Error("the portal has not started");
    return portal;
  };
}

/** Nothing of a refused upload may remain: no submission, no blob, no temp file. */
export async function expectNothingStored(portal: Portal, id: string): Promise<void> {
  expect(await getStatus(portal.witnessUrl, id)).toBeNull();
  expect(await listFiles(path.join(portal.dataDir, "blobs", id))).toEqual([]);
  expect(await listFiles(path.join(portal.dataDir, "tmp"))).toEqual([]);
}

/** A part that was refused is absent, whatever else the submission holds. */
export async function expectPartAbsent(portal: Portal, id: string, name: string): Promise<void> {
  const status = await getStatus(portal.witnessUrl, id);
  expect(status?.parts.map((p) => p.name) ?? []).not.toContain(name);
  expect(await listFiles(path.join(portal.dataDir, "blobs", id))).not.toContain(name);
  expect(await listFiles(path.join(portal.dataDir, "tmp"))).toEqual([]);
}

export async function readBlob(dataDir: string, id: string, name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(dataDir, "blobs", id, name)));
}

export function dbPath(dataDir: string): string {
  return path.join(dataDir, "testigo.sqlite");
}

/** Runs one read-only query against the portal's database (safe while it runs: WAL readers). */
export function queryDb(dataDir: string, sql: string, ...params: unknown[]): unknown[] {
  const db = new Database(dbPath(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

/** The API's error body: `{ error: { code, message } }`. */
export async function expectApiError(res: Response, status: number, code?: string): Promise<{ code: string; message: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const parsed = ApiErrorSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`not an API error body: ${text}`);
  if (code !== undefined) expect(parsed.data.error.code).toBe(code);
  return { code: parsed.data.error.code, message: parsed.data.error.message };
}
