/**
 * The upload engine under Node: a fake server (in-memory, with the real shape checks), injected
 * failures, and the properties DESIGN.md asks for: a part the server holds is never sent again,
 * uploads are bounded, fatal answers stop the run with the right code, offline means no requests.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decryptChunk, decryptHeader, decryptManifest } from "~/envelope/decrypt";
import { expectedParts, parsePartName, partName, SealRequestSchema } from "~/envelope/format";
import { sha256Hex } from "~/envelope/hash";
import { inspectPart } from "~/envelope/inspect";
import { sendSubmission, type SendOptions } from "~/submit/engine.client";
import { encryptFileParts } from "~/submit/encrypt-file.client";
import { SubmitError } from "~/submit/errors";
import type { Connectivity } from "~/submit/connectivity.client";
import { makeEditorKey, type TestEditorKey } from "../support/keys";

let editor: TestEditorKey;
let keyIds: Set<string>;
beforeAll(async () => {
  editor = await makeEditorKey();
  keyIds = new Set([(await editor.publicKey.getEncryptionKey()).getKeyID().toHex()]);
});

const BASE = "http://portal.test";
const fastBackoff = { initialMs: 1, maxMs: 4 };

interface FakeServer {
  fetch: NonNullable<SendOptions["fetch"]>;
  parts: Map<string, Uint8Array>;
  puts: Map<string, number>;
  sealed: boolean;
  maxInFlight: number;
  id: string | null;
}

function fakeServer(opts: { failEvery?: number; failFirstPut?: boolean; lateFailure?: boolean; respond?: (name: string, n: number) => Response | null } = {}): FakeServer {
  let n = 0;
  let inFlight = 0;
  const server: FakeServer = {
    parts: new Map(),
    puts: new Map(),
    sealed: false,
    maxInFlight: 0,
    id: null,
    fetch: async (url, init) => {
      n++;
      const path = url.slice(BASE.length);
      const part = /^\/api\/v1\/submissions\/([0-9a-f]{32})\/parts\/(.+)$/.exec(path);
      if (part && init.method === "PUT") {
        const [, id, name] = part;
        server.id = id!;
        server.puts.set(name!, (server.puts.get(name!) ?? 0) + 1);
        inFlight++;
        server.maxInFlight = Math.max(server.maxInFlight, inFlight);
        try {
          await new Promise((r) => setTimeout(r, 1));
          const custom = opts.respond?.(name!, n);
          if (custom) return custom;
          const fail = (opts.failEvery !== undefined && n % opts.failEvery === 0) || (opts.failFirstPut === true && server.puts.get(name!) === 1);
          if (fail && !opts.lateFailure) throw new TypeError("network down");
          expect(init.headers).toEqual({ "Content-Type": "application/octet-stream" });
          if (!(init.body instanceof Blob)) throw new Error("body is not a Blob");
          const body = new Uint8Array(await init.body.arrayBuffer());
          const ref = parsePartName(name!);
          expect(ref).not.toBeNull();
          expect(await inspectPart(ref!, body, keyIds)).toEqual({ ok: true });
          const existing = server.parts.get(name!);
          const sha = await sha256Hex(body);
          if (existing && (await sha256Hex(existing)) !== sha) return Response.json({ error: { code: "conflict", message: "x" } }, { status: 409 });
          server.parts.set(name!, new Uint8Array(body));
          // Stored, but the answer is lost: the client must find it in the status, not send again.
          if (fail) throw new TypeError("connection reset");
          return Response.json({ name, size: body.length, sha256: sha }, { status: existing ? 200 : 201 });
        } finally {
          inFlight--;
        }
      }
      const status = /^\/api\/v1\/submissions\/([0-9a-f]{32})$/.exec(path);
      if (status && init.method === "GET") {
        if (server.parts.size === 0) return Response.json({ error: { code: "not_found", message: "no" } }, { status: 404 });
        const parts = await Promise.all([...server.parts].map(async ([name, b]) => ({ name, size: b.length, sha256: await sha256Hex(b) })));
        return Response.json({ id: status[1], sealed: server.sealed, parts });
      }
      const seal = /^\/api\/v1\/submissions\/([0-9a-f]{32})\/seal$/.exec(path);
      if (seal && init.method === "POST") {
        const body = SealRequestSchema.parse(JSON.parse(String(init.body)));
        const missing = expectedParts(body).map(partName).filter((p) => !server.parts.has(p));
        if (missing.length > 0) return Response.json({ error: { code: "conflict", message: `missing ${missing.join(",")}` } }, { status: 409 });
        server.sealed = true;
        return Response.json({ sealed: true, day: "2026-01-01" });
      }
      return new Response("no", { status: 404 });
    },
  };
  return server;
}

function bytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const report = { what: "detenciones", where: "Maracaibo", when: "", who: "" };

describe("sendSubmission", () => {
  it("uploads every part once, in bounded parallel, and the editor can read it all", async () => {
    const server = fakeServer();
    const files = [new File([bytes(5_000_000)], "video.mp4", { type: "video/mp4" }), new File([], "vacío.txt")];
    const progress: number[] = [];
    const receipt = await sendSubmission(
      { report, files, language: "es" },
      {
        recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, chunkSize: 1 << 20, backoff: fastBackoff,
        onProgress: (p) => progress.push(p.total.sent),
      },
    );
    expect(server.sealed).toBe(true);
    expect([...server.puts.values()].every((n) => n === 1)).toBe(true);
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
    expect(receipt.files.map((f) => f.sha256)).toEqual([await sha256Hex(bytes(5_000_000)), await sha256Hex(new Uint8Array())]);
    expect(progress.at(-1)).toBeGreaterThan(5_000_000);

    const id = server.id!;
    const manifest = await decryptManifest({ bytes: server.parts.get("manifest")!, keys: [editor.privateKey], submissionId: id });
    expect(manifest.report).toEqual(report);
    expect(manifest.files.map((f) => f.name)).toEqual(["video.mp4", "vacío.txt"]);
    const header = await decryptHeader({ bytes: server.parts.get("header-0")!, keys: [editor.privateKey], submissionId: id, file: 0 });
    expect(await sha256Hex(header.chunkKey)).toBe(manifest.files[0]!.chunkKeySha256);
    const chunk = await decryptChunk({ bytes: server.parts.get("chunk-0-4")!, sessionKey: header.chunkKey, submissionId: id, file: 0, chunk: 4 });
    expect(chunk.length).toBe(header.description.paddedSize - 4 * (1 << 20));
  });

  it("report text alone is enough", async () => {
    const server = fakeServer();
    const receipt = await sendSubmission({ report, files: [], language: "en" }, { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE });
    expect(receipt.files).toEqual([]);
    expect([...server.parts.keys()]).toEqual(["manifest"]);
    expect(server.sealed).toBe(true);
  });

  it("a follow-up names its thread inside the manifest, and runs beforeSeal after every part and before the seal", async () => {
    const server = fakeServer();
    const thread = "ab".repeat(16);
    const seen: { id: string; parts: number; sealed: boolean }[] = [];
    const receipt = await sendSubmission(
      { report, files: [new File([bytes(10_000)], "b.jpg")], language: "es", thread },
      {
        recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE,
        beforeSeal: async (id) => {
          seen.push({ id, parts: server.parts.size, sealed: server.sealed });
        },
      },
    );
    expect(seen).toEqual([{ id: server.id!, parts: 3, sealed: false }]);
    expect(receipt.submissionId).toBe(server.id);
    expect(server.sealed).toBe(true);
    const manifest = await decryptManifest({ bytes: server.parts.get("manifest")!, keys: [editor.privateKey], submissionId: server.id! });
    expect(manifest.thread).toBe(thread);
  });

  it("a failing beforeSeal stops the run unsealed", async () => {
    const server = fakeServer();
    await expect(
      sendSubmission(
        { report, files: [], language: "es" },
        { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, beforeSeal: () => Promise.reject(new SubmitError("unknown-codename", "gone")) },
      ),
    ).rejects.toMatchObject({ code: "unknown-codename" });
    expect(server.sealed).toBe(false);
  });

  it("refuses to send nothing", async () => {
    const server = fakeServer();
    await expect(sendSubmission({ report: { what: " ", where: "", when: "", who: "" }, files: [], language: "es" }, { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE }))
      .rejects.toMatchObject({ code: "nothing-to-send" });
    expect(server.puts.size).toBe(0);
  });

  it("retries network errors, and never re-sends a part the server already stored", async () => {
    const server = fakeServer({ failEvery: 3, lateFailure: true });
    await sendSubmission(
      { report, files: [new File([bytes(3_000_000)], "a.jpg")], language: "es" },
      { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, chunkSize: 1 << 19, backoff: fastBackoff },
    );
    expect(server.sealed).toBe(true);
    // Every failure here happened after the part was stored: so no part was ever sent twice.
    expect([...server.puts.entries()].filter(([, n]) => n > 1)).toEqual([]);
  });

  it("retries parts that really did not arrive", async () => {
    const server = fakeServer({ failFirstPut: true });
    await sendSubmission(
      { report, files: [new File([bytes(2_000_000)], "a.jpg")], language: "es" },
      { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, chunkSize: 1 << 19, backoff: fastBackoff },
    );
    expect(server.sealed).toBe(true);
    expect([...server.puts.values()].every((n) => n === 2)).toBe(true);
  });

  it.each([
    [413, "rejected"],
    [422, "rejected"],
    [409, "conflict"],
    [507, "server-full"],
  ])("stops on HTTP %i with %s and the server's message", async (status, code) => {
    const server = fakeServer({ respond: (name) => (name === "chunk-0-1" ? Response.json({ error: { code: "x", message: "el mensaje" } }, { status }) : null) });
    const error = await sendSubmission(
      { report, files: [new File([bytes(3_000_000)], "a.jpg")], language: "es" },
      { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, chunkSize: 1 << 19, backoff: fastBackoff },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmitError);
    expect(error).toMatchObject({ code, detail: "el mensaje" });
    expect(server.sealed).toBe(false);
  });

  it("treats 503 and 429 as temporary", async () => {
    let left = 4;
    const server = fakeServer({ respond: () => (left-- > 0 ? new Response("busy", { status: left % 2 ? 503 : 429 }) : null) });
    await sendSubmission({ report, files: [new File([bytes(10)], "a")], language: "es" }, { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, backoff: fastBackoff });
    expect(server.sealed).toBe(true);
  });

  it("an acknowledgement with another hash is an error", async () => {
    const server = fakeServer({ respond: (name) => (name === "header-0" ? Response.json({ name, size: 1, sha256: "0".repeat(64) }, { status: 201 }) : null) });
    await expect(sendSubmission({ report, files: [new File([bytes(10)], "a")], language: "es" }, { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE }))
      .rejects.toMatchObject({ code: "hash-mismatch" });
  });

  it("sends nothing while offline and resumes when the connection returns", async () => {
    let online = false;
    const listeners = new Set<(o: boolean) => void>();
    const connectivity: Connectivity = {
      isOnline: () => online,
      subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    };
    const server = fakeServer();
    const states: string[] = [];
    const run = sendSubmission(
      { report, files: [new File([bytes(100)], "a")], language: "es" },
      { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, connectivity, onProgress: (p) => states.push(p.connection) },
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(server.puts.size).toBe(0);
    expect(states).toContain("offline");
    online = true;
    for (const l of listeners) l(true);
    await run;
    expect(server.sealed).toBe(true);
  });

  it("stops when aborted", async () => {
    const server = fakeServer();
    const controller = new AbortController();
    const run = sendSubmission(
      { report, files: [new File([bytes(4_000_000)], "a")], language: "es" },
      { recipients: [editor.publicKey], fetch: server.fetch, baseUrl: BASE, chunkSize: 1 << 18, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 30);
    await expect(run).rejects.toThrow();
    const sent = server.puts.size;
    await new Promise((r) => setTimeout(r, 100));
    expect(server.puts.size).toBe(sent);
    expect(server.sealed).toBe(false);
  });
});

describe("encryptFileParts", () => {
  it("holds at most the parts the consumer has not released, and hashes only the real bytes", async () => {
    const data = bytes(700_000);
    const seen: string[] = [];
    const result = await encryptFileParts(new Blob([data], { type: "image/jpeg" }), {
      recipients: [editor.publicKey], submissionId: "0".repeat(32), index: 2, name: "acta.jpg", chunkSize: 1 << 16,
      onPart: (part) => void seen.push(part.name),
    });
    expect(result.sha256).toBe(await sha256Hex(data));
    expect(result.description).toMatchObject({ name: "acta.jpg", type: "image/jpeg", size: 700_000, file: 2 });
    expect(seen[0]).toBe("header-2");
    expect(seen.length).toBe(1 + result.description.chunks);
    expect(result.manifestEntry.parts.chunks.length).toBe(result.description.chunks);
  });
});
