/**
 * Threat: hostile or broken input of every kind — random bodies, mutated valid parts, odd paths,
 * methods and headers — crashes a handler, gets a malformed part stored, or makes an error page
 * leak a stack trace or a server path. Properties checked with fast-check (a few thousand runs):
 *   - never a 5xx;
 *   - every /api error is JSON `{ error: { code, message } }`;
 *   - no body names a server path, node_modules, or shows a stack frame;
 *   - a part the server acknowledges is stored byte for byte, and is of the expected shape by an
 *     independent packet framer (tests/security/helpers/packets.ts), not by OpenPGP.js.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { PublicKey } from "openpgp";
import { randomBytes } from "~/envelope/hex";
import { ROOT, rawRequest, type RawResponse } from "../support/portal";
import { ApiErrorSchema, buildSubmission, fetchRecipients, newSubmissionId, sha256Node, type BuiltSubmission } from "../support/submission";
import { readBlob, withPortal } from "./helpers/fixture";
import { TAG, concatBytes, splitPackets, writeOldFormatPacket, writePacket, type Packet } from "./helpers/packets";

const LIMIT = 65_536;
const portal = withPortal({ env: { TESTIGO_MAX_PART_BYTES: String(LIMIT), TESTIGO_MAX_MANIFEST_BYTES: String(LIMIT) } });

let recipients: PublicKey[];
let keyIds: Set<string>;
let sub: BuiltSubmission;
let bases: { name: string; kind: "header" | "chunk" | "manifest"; bytes: Uint8Array }[];

beforeAll(async () => {
  ({ recipients, keyIds } = await fetchRecipients(portal().witnessUrl));
  sub = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(5000) }] });
  bases = [
    { name: "header-0", kind: "header", bytes: sub.parts.find((p) => p.name === "header-0")!.bytes },
    { name: "chunk-0-0", kind: "chunk", bytes: sub.parts.find((p) => p.name === "chunk-0-0")!.bytes },
    { name: "chunk-0-1", kind: "chunk", bytes: sub.parts.find((p) => p.name === "chunk-0-1")!.bytes },
    { name: "manifest", kind: "manifest", bytes: sub.parts.find((p) => p.name === "manifest")!.bytes },
  ];
});

// ---------------------------------------------------------------------------------------------
// Checks applied to every response.

const STACK_FRAME = /\n\s+at\s+\S+/;

function expectNoLeak(res: RawResponse, what: string): void {
  for (const secret of [ROOT, portal().dataDir, "node_modules", "SqliteError", "file://"]) {
    expect(res.text.includes(secret), `${what} leaks "${secret}": ${res.text.slice(0, 300)}`).toBe(false);
  }
  expect(STACK_FRAME.test(res.text), `${what} shows a stack trace: ${res.text.slice(0, 300)}`).toBe(false);
}

function expectSaneResponse(res: RawResponse, method: string, target: string): void {
  const what = `${method} ${target} → ${res.status}`;
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  expectNoLeak(res, what);
  // Node's HTTP parser answers a request line it cannot parse (e.g. raw non-ASCII bytes in the
  // target) with a bare 400 before any application code runs: nothing to check there.
  const parserRejection = res.status === 400 && res.body.length === 0 && res.headers["content-type"] === undefined;
  const pathname = target.split("?")[0] ?? "";
  if (/^\/api(\/|$)/i.test(pathname) && res.status >= 400 && method !== "HEAD" && !parserRejection) {
    expect(res.headers["content-type"] ?? "", what).toMatch(/^application\/json/);
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      throw new Error(`${what}: the error body is not JSON: ${res.text.slice(0, 300)}`);
    }
    expect(ApiErrorSchema.safeParse(parsed).success, `${what}: ${res.text.slice(0, 300)}`).toBe(true);
  }
}

function put(id: string, name: string, body: Uint8Array): Promise<RawResponse> {
  return rawRequest(portal().witnessUrl, {
    method: "PUT",
    path: `/api/v1/submissions/${id}/parts/${name}`,
    headers: { "Content-Type": "application/octet-stream" },
    body,
  });
}

// ---------------------------------------------------------------------------------------------
// An independent oracle for the envelope's shape (RFC 9580 packet framing only).

type Verdict = "valid" | "invalid" | "unknown";

function shapeOf(kind: "header" | "chunk" | "manifest", bytes: Uint8Array): Verdict {
  let packets: Packet[];
  try {
    packets = splitPackets(bytes);
  } catch (error) {
    // Partial or indeterminate lengths are legal framing this oracle does not follow.
    return error instanceof Error && /not supported/.test(error.message) ? "unknown" : "invalid";
  }
  if (packets.length === 0) return "invalid";
  const seipd = packets[packets.length - 1]!;
  if (seipd.tag !== TAG.SEIPD || seipd.end === seipd.bodyStart || bytes[seipd.bodyStart] !== 1) return "invalid";
  // A SEIPDv1 body too short for the IV prefix and the MDC cannot be ciphertext; whether the
  // server refuses it is not what this oracle decides.
  const plausible = seipd.end - seipd.bodyStart >= 1 + 18 + 22;
  if (kind === "chunk") {
    if (packets.length !== 1) return "invalid";
    return plausible ? "valid" : "unknown";
  }
  const pkesks = packets.slice(0, -1);
  if (pkesks.length === 0) return "invalid";
  const seen = new Set<string>();
  for (const p of pkesks) {
    if (p.tag !== TAG.PKESK || p.end - p.bodyStart < 10 || bytes[p.bodyStart] !== 3) return "invalid";
    const id = Buffer.from(bytes.subarray(p.bodyStart + 1, p.bodyStart + 9)).toString("hex");
    if (!keyIds.has(id) || seen.has(id)) return "invalid";
    seen.add(id);
  }
  if (seen.size !== keyIds.size) return "invalid";
  // The MPIs inside each PKESK are not checked here; OpenPGP.js may still refuse them.
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid part.

type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; value: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; count: number }
  | { op: "append-packet"; tag: number; body: Uint8Array; old: boolean }
  | { op: "prepend-packet"; tag: number; body: Uint8Array; old: boolean }
  | { op: "retag"; packet: number; tag: number }
  | { op: "relength"; packet: number; delta: number }
  | { op: "version"; packet: number; value: number }
  | { op: "duplicate-packet"; packet: number }
  | { op: "drop-packet"; packet: number };

const anyTag = fc.oneof(fc.constantFrom(1, 2, 3, 8, 9, 10, 11, 12, 18, 20, 21, 60), fc.integer({ min: 0, max: 63 }));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant("append-packet" as const), tag: anyTag, body: fc.uint8Array({ maxLength: 300 }), old: fc.boolean() }),
  fc.record({ op: fc.constant("prepend-packet" as const), tag: anyTag, body: fc.uint8Array({ maxLength: 300 }), old: fc.boolean() }),
  fc.record({ op: fc.constant("retag" as const), packet: fc.nat(), tag: anyTag }),
  fc.record({ op: fc.constant("relength" as const), packet: fc.nat(), delta: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ op: fc.constant("version" as const), packet: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("duplicate-packet" as const), packet: fc.nat() }),
  fc.record({ op: fc.constant("drop-packet" as const), packet: fc.nat() }),
);

function packetsOrNull(bytes: Uint8Array): Packet[] | null {
  try {
    const packets = splitPackets(bytes);
    return packets.length > 0 ? packets : null;
  } catch {
    return null;
  }
}

function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.op) {
    case "flip": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = out[m.at % n]! ^ (1 << m.bit);
      return out;
    }
    case "set": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case "truncate":
      return bytes.slice(0, n === 0 ? 0 : m.at % n);
    case "insert": {
      const at = m.at % (n + 1);
      return concatBytes(bytes.slice(0, at), m.bytes, bytes.slice(at));
    }
    case "delete": {
      if (n === 0) return bytes;
      const at = m.at % n;
      return concatBytes(bytes.slice(0, at), bytes.slice(at + m.count));
    }
    case "append-packet":
      return concatBytes(bytes, (m.old && m.tag < 16 ? writeOldFormatPacket : writePacket)(m.tag, m.body));
    case "prepend-packet":
      return concatBytes((m.old && m.tag < 16 ? writeOldFormatPacket : writePacket)(m.tag, m.body), bytes);
    default: {
      const packets = packetsOrNull(bytes);
      if (!packets) return bytes;
      const p = packets[m.packet % packets.length]!;
      const body = bytes.slice(p.bodyStart, p.end);
      const before = bytes.slice(0, p.start);
      const after = bytes.slice(p.end);
      const tagOf = p.newFormat ? bytes[p.start]! & 0x3f : (bytes[p.start]! >> 2) & 0x0f;
      switch (m.op) {
        case "retag":
          return concatBytes(before, writePacket(m.tag, body), after);
        case "relength": {
          // Rewrite the header with a wrong length; the bytes that follow stay where they are.
          const claimed = Math.max(0, body.length + m.delta);
          const full = writePacket(tagOf, new Uint8Array(claimed));
          return concatBytes(before, full.slice(0, full.length - claimed), body, after);
        }
        case "version": {
          if (body.length === 0) return bytes;
          const edited = body.slice();
          edited[0] = m.value;
          return concatBytes(before, writePacket(tagOf, edited), after);
        }
        case "duplicate-packet":
          return concatBytes(before, bytes.slice(p.start, p.end), bytes.slice(p.start, p.end), after);
        case "drop-packet":
          return concatBytes(before, after);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe("fuzzed upload bodies", () => {
  it("random bytes are refused (413 or 422) and never stored", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("header-0", "chunk-0-0", "chunk-3-17", "manifest"),
        fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ minLength: 512, maxLength: LIMIT + 1024 })),
        async (name, body) => {
          const id = newSubmissionId();
          const res = await put(id, name, body);
          expectSaneResponse(res, "PUT", name);
          const verdict = shapeOf(name === "manifest" ? "manifest" : name.startsWith("header") ? "header" : "chunk", body);
          if (verdict === "invalid" || body.length > LIMIT) expect([413, 422], `${name} (${body.length} bytes)`).toContain(res.status);
          if (res.status >= 400) {
            const status = await rawRequest(portal().witnessUrl, { method: "GET", path: `/api/v1/submissions/${id}` });
            expect(status.status).toBe(404);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("mutated valid parts: never 5xx; refused when the framing is wrong; stored byte for byte when acknowledged", async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, mutations) => {
        const base = bases[which % bases.length]!;
        const body = mutations.reduce(applyMutation, base.bytes);
        const id = newSubmissionId();
        const res = await put(id, base.name, body);
        const what = `${base.name} ${JSON.stringify(mutations, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))}`;
        expectSaneResponse(res, "PUT", what);
        const verdict = shapeOf(base.kind, body);
        if (verdict === "invalid") expect([413, 422], `${what}: ${res.text}`).toContain(res.status);
        if (verdict === "valid") expect(res.status, `${what}: ${res.text}`).toBe(201);
        if (res.status === 201) seen.accepted++;
        else seen.refused++;
        if (res.status === 201) {
          expect(JSON.parse(res.text)).toEqual({ name: base.name, size: body.length, sha256: sha256Node(body) });
          expect(await readBlob(portal().dataDir, id, base.name)).toEqual(body);
        }
      }),
      { numRuns: 4000 },
    );
    // The mutations exercised both sides of the check (bit flips inside the ciphertext keep the shape).
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

describe("fuzzed requests", () => {
  const token = fc.oneof(
    fc.constantFrom(
      "api", "v1", "v2", "submissions", "parts", "seal", "keyring", "header-0", "chunk-0-0", "manifest", "editor", "build",
      "..", ".", "%2e%2e", "%2F", "%", "%zz", "%00", "%ff", "%c0%ae", "~", "*", ";x", "a?b=1", "?", "&", "#", "\\", "_root.data",
      "index.data", "favicon.ico", "robots.txt", "__proto__", "constructor", "%E2%80%AE",
    ),
    fc.constantFrom("0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF"),
    fc.string({ unit: "grapheme", maxLength: 12 }).map(encodeURIComponent),
    fc.stringMatching(/^[\x21-\x7e]{0,20}$/),
    fc.stringMatching(/^[\x21-\xff]{0,12}$/),
    fc.stringMatching(/^[0-9a-f]{30,34}$/),
  );
  const prefix = fc.constantFrom("/api/v1/submissions/", "/api/v1/", "/api/", "/", "/build/", "/editor/", "//", "/API/V1/");
  const method = fc.constantFrom("GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "TRACE");
  const contentType = fc.oneof(
    fc.constantFrom(
      "application/octet-stream", "application/json", "text/plain", "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded", "application/octet-stream; charset=utf-8", "", "*/*", "application/json; charset=utf-16",
    ),
    fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
  );
  const headers = fc.record(
    {
      "Content-Type": contentType,
      "Content-Encoding": fc.constantFrom("gzip", "deflate", "br", "identity", "x-unknown", "gzip, gzip"),
      Accept: fc.constantFrom("*/*", "text/html", "application/json", "text/x-script"),
      "Accept-Encoding": fc.constantFrom("gzip", "br", "identity", "*"),
      "X-Forwarded-For": fc.constantFrom("203.0.113.7", "::1", "garbage", "1.2.3.4, 5.6.7.8"),
      Range: fc.constantFrom("bytes=0-10", "bytes=-1", "bytes=99999999-", "nonsense"),
      Origin: fc.constantFrom("null", "http://evil.example", "http://127.0.0.1"),
      Cookie: fc.constantFrom("a=b", "__session=x"),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 256 }),
    fc.json({ maxDepth: 3 }).map((j) => new TextEncoder().encode(j)),
    fc.constantFrom('{"format":1,"files":[{"chunks":1}]}', "{", "[]", "null", '{"__proto__":{"x":1}}').map((s) => new TextEncoder().encode(s)),
  );

  it("random paths, methods, headers and bodies never get a 5xx or a leaky error", async () => {
    await fc.assert(
      fc.asyncProperty(prefix, fc.array(token, { maxLength: 5 }), method, headers, body, async (pre, segments, m, h, b) => {
        const target = `${pre}${segments.join("/")}`;
        // TRACE, CONNECT-like and body-carrying GET/HEAD are legal; Node's client rejects only what is not.
        const res = await rawRequest(portal().witnessUrl, { method: m, path: target, headers: h, body: m === "GET" || m === "HEAD" ? undefined : b });
        expectSaneResponse(res, m, target);
      }),
      { numRuns: 3000 },
    );
  });

  it("random seal requests on real and unknown submissions never get a 5xx", async () => {
    const { witnessUrl } = portal();
    // One real, unsealed submission with every part, so a valid seal is possible.
    const real = await buildSubmission({ recipients, chunkSize: 4096, files: [{ name: "a", type: "b", data: randomBytes(100) }] });
    for (const p of real.parts) expect((await put(real.id, p.name, p.bytes)).status).toBe(201);
    const sealBody = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc
        .record({
          format: fc.oneof(fc.constant(1), fc.integer(), fc.string()),
          files: fc.array(fc.record({ chunks: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double(), fc.constant(1_000_001)) }), { maxLength: 3 }),
        })
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), sealBody, contentType, async (useReal, json, type) => {
        const id = useReal ? real.id : newSubmissionId();
        const res = await rawRequest(witnessUrl, {
          method: "POST",
          path: `/api/v1/submissions/${id}/seal`,
          headers: { "Content-Type": type },
          body: new TextEncoder().encode(json),
        });
        expectSaneResponse(res, "POST", `seal ${json}`);
        expect([200, 400, 404, 409, 413, 415, 422]).toContain(res.status);
        if (!useReal) expect([400, 404, 422], res.text).toContain(res.status);
      }),
      { numRuns: 800 },
    );
    // Whatever happened, the real submission's parts are intact.
    for (const p of real.parts) expect(await readBlob(portal().dataDir, real.id, p.name)).toEqual(p.bytes);
  });

  it("the data directory holds nothing but the expected layout afterwards", async () => {
    const top = (await readdir(portal().dataDir)).sort();
    for (const entry of top) expect(["blobs", "demo-keys", "demo-secret", "testigo.sqlite", "testigo.sqlite-shm", "testigo.sqlite-wal", "tmp"]).toContain(entry);
    expect(await readdir(path.join(portal().dataDir, "tmp"))).toEqual([]);
  });
});
