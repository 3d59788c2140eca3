/**
 * Threat: an error page on the editor listener leaks internals (stack traces, file paths, SQL,
 * library versions) to whoever provokes it. Malformed URLs, cookies, forms, methods, encodings and
 * oversize bodies each get a short readable answer, never a trace.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { rawRequest, type RawRequest } from "../support/portal";
import { EditorClient, addEditor, originOf } from "./editor-support";
import { withPortal } from "./helpers/fixture";

const portal = withPortal();
let alice: EditorClient;
let csrf: string;

beforeAll(async () => {
  const { secret } = await addEditor(portal().dataDir, "alice");
  alice = new EditorClient(portal().editorUrl);
  csrf = await alice.loginOk("alice", secret);
});

const TRACE = [/\bat [\w.<>]+ \(/, /at .*:\d+:\d+/, /node_modules/, /\/work\//, /\.tsx?\b:\d+/, /SQLITE_/, /TypeError|ReferenceError|SyntaxError|ZodError/, /"stack"/, /Error: /];

function form(fields: Record<string, string>): Uint8Array {
  return new TextEncoder().encode(new URLSearchParams(fields).toString());
}

describe("error pages on the editor listener", () => {
  it("never show a stack trace or an internal detail", async () => {
    const origin = originOf(portal().editorUrl);
    const session = () => alice.cookieHeader();
    const posted = (target: string, body: Uint8Array, contentType = "application/x-www-form-urlencoded", extra: Record<string, string> = {}): RawRequest => ({
      method: "POST",
      path: target,
      headers: { Origin: origin, "Sec-Fetch-Site": "same-origin", Cookie: session(), "Content-Type": contentType, ...extra },
      body,
    });
    const requests: RawRequest[] = [
      { method: "GET", path: "/editor/nothing-here" },
      { method: "GET", path: "/editor/submissions/%zz/bundle", headers: { Cookie: session() } },
      { method: "GET", path: "/editor/submissions/%E0%A4%A/delete", headers: { Cookie: session() } },
      { method: "GET", path: `/editor/submissions/${"a".repeat(5000)}/delete`, headers: { Cookie: session() } },
      { method: "GET", path: "/editor?page=-1&page=x&notice=%00", headers: { Cookie: session() } },
      { method: "GET", path: "/editor", headers: { Cookie: `__Host-testigo_editor=${"%".repeat(43)}; __Host-testigo_editor=x` } },
      { method: "GET", path: "/editor.data?_routes=../../etc/passwd", headers: { Cookie: session() } },
      { method: "GET", path: "/editor/login.data?_routes=routes%2Fnope" },
      posted("/editor/login", new TextEncoder().encode("%%%&&&==")),
      posted("/editor/login", new TextEncoder().encode('{"name":"alice"}'), "application/json"),
      posted("/editor/login", new TextEncoder().encode("--x\r\nContent-Disposition: form-data; name=\"csrf\"; filename=\"a\"\r\n\r\nabc\r\n--x--\r\n"), "multipart/form-data; boundary=x"),
      posted("/editor/login", new TextEncoder().encode("--broken"), "multipart/form-data; boundary=y"),
      posted("/editor/login", form({ name: "a".repeat(300), password: "p", code: "1", csrf: "c" })),
      posted("/editor/login", form({ name: "alice", password: "p", code: "1", csrf: "c", extra: "x" })),
      posted("/editor/login", form({ name: "alice", name2: "x" }).slice(0, 5)),
      posted("/editor/logout", form({ csrf, csrf2: csrf })),
      posted("/editor/logout", new TextEncoder().encode(`csrf=${csrf}&csrf=${csrf}`)),
      posted("/editor/submissions/zz/delete", form({ csrf, confirm: "yes" })),
      posted("/editor/submissions/00000000000000000000000000000000/delete", form({ csrf, confirm: "yes" })),
      posted("/editor", form({ csrf })),
      posted("/editor/login", new Uint8Array(17 * 1024).fill(0x61)),
      posted("/editor/login", new TextEncoder().encode("a=b"), "application/x-www-form-urlencoded", { "Content-Length": "999999999999" }),
      { method: "POST", path: "/editor/login", headers: { Origin: origin, "Transfer-Encoding": "chunked", "Content-Type": "application/x-www-form-urlencoded" }, body: [new TextEncoder().encode("a=b")] },
      { method: "PUT", path: "/editor/logout", headers: { Origin: origin, Cookie: session(), "Content-Length": "0" } },
      { method: "DELETE", path: "/editor/login", headers: { Origin: origin, "Content-Length": "0" } },
      { method: "OPTIONS", path: "/editor" },
      { method: "TRACE", path: "/editor" },
      { method: "GET", path: "/build/../../server/start.ts" },
      { method: "GET", path: "/build/nope.js" },
    ];
    for (const request of requests) {
      const res = await rawRequest(portal().editorUrl, request).catch((error: unknown) => ({ status: 0, text: String(error), headers: {}, body: Buffer.alloc(0) }));
      const what = `${request.method} ${request.path.slice(0, 80)} → ${res.status}`;
      expect(res.status, what).toBeGreaterThanOrEqual(200);
      expect(res.status, what).toBeLessThan(500);
      for (const pattern of TRACE) expect(res.text, `${what}: ${pattern}\n${res.text.slice(0, 400)}`).not.toMatch(pattern);
    }
    // And the session survived all of it (none of the above was a valid logout).
    expect((await alice.get("/editor")).status).toBe(200);
  });
});
