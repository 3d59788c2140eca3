/**
 * Threat: a page on another site (or a sandboxed frame, or another editor's stolen page) makes an
 * editor's browser log out, delete a submission, or log in as someone else. Every non-GET needs
 * our own Origin (or Sec-Fetch-Site: same-origin when there is no Origin) AND the session's token
 * in the form (the login cookie's token before login); anything less is 403 and changes nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "~/envelope/hex";
import { rawRequest } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { EditorClient, PASSWORD, addEditor, originOf, totpCode } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let alice: EditorClient;
let bob: EditorClient;
let aliceCsrf: string;
let bobCsrf: string;
let aliceSecret: string;
let sub: BuiltSubmission;

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  const { recipients } = await fetchRecipients(witnessUrl);
  sub = await buildSubmission({ recipients, files: [{ name: "a", type: "b", data: randomBytes(50) }] });
  await uploadAndSeal(witnessUrl, sub);
  aliceSecret = (await addEditor(dataDir, "alice")).secret;
  const bobSecret = (await addEditor(dataDir, "bob")).secret;
  alice = new EditorClient(editorUrl);
  bob = new EditorClient(editorUrl);
  aliceCsrf = await alice.loginOk("alice", aliceSecret);
  bobCsrf = await bob.loginOk("bob", bobSecret);
});

/** The ways a forged request differs from a genuine one; each must be refused on its own. */
const FORGERIES = (): { what: string; csrf: string | null; headers: Record<string, string | null> }[] => [
  { what: "missing token", csrf: null, headers: {} },
  { what: "empty token", csrf: "", headers: {} },
  { what: "wrong token", csrf: "A".repeat(43), headers: {} },
  { what: "another editor's token", csrf: bobCsrf, headers: {} },
  { what: "foreign Origin", csrf: aliceCsrf, headers: { Origin: "http://evil.example" } },
  { what: "foreign Origin on our port", csrf: aliceCsrf, headers: { Origin: `http://localhost:${new URL(portal().editorUrl).port}` } },
  { what: "the witness port's Origin", csrf: aliceCsrf, headers: { Origin: originOf(portal().witnessUrl) } },
  { what: "Origin: null", csrf: aliceCsrf, headers: { Origin: "null" } },
  { what: "Sec-Fetch-Site: cross-site", csrf: aliceCsrf, headers: { "Sec-Fetch-Site": "cross-site" } },
  { what: "Sec-Fetch-Site: same-site", csrf: aliceCsrf, headers: { "Sec-Fetch-Site": "same-site" } },
  { what: "Sec-Fetch-Site: cross-site without Origin", csrf: aliceCsrf, headers: { Origin: null, "Sec-Fetch-Site": "cross-site" } },
  { what: "neither Origin nor Sec-Fetch-Site", csrf: aliceCsrf, headers: { Origin: null, "Sec-Fetch-Site": null } },
];

function sessionCount(): number {
  const [row] = queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions");
  return typeof row === "object" && row !== null && "n" in row && typeof row.n === "number" ? row.n : -1;
}

function auditCount(): number {
  const [row] = queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_audit");
  return typeof row === "object" && row !== null && "n" in row && typeof row.n === "number" ? row.n : -1;
}

describe("forged requests are 403 and change nothing", () => {
  it("delete", async () => {
    for (const f of FORGERIES()) {
      const fields: Record<string, string> = { confirm: "yes" };
      if (f.csrf !== null) fields.csrf = f.csrf;
      const res = await alice.post(`/editor/submissions/${sub.id}/delete`, fields, f.headers);
      expect(res.status, f.what).toBe(403);
      expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM submissions WHERE id = ?", sub.id), f.what).toEqual([{ n: 1 }]);
    }
    expect(queryDb(portal().dataDir, "SELECT * FROM editor_audit WHERE action = 'delete'")).toEqual([]);
  });

  it("logout", async () => {
    const sessions = sessionCount();
    for (const f of FORGERIES()) {
      const res = await alice.post("/editor/logout", f.csrf === null ? {} : { csrf: f.csrf }, f.headers);
      expect(res.status, f.what).toBe(403);
      expect(res.headers["set-cookie"], f.what).toBeUndefined();
    }
    expect(sessionCount()).toBe(sessions);
    expect((await alice.get("/editor")).status).toBe(200);
  });

  it("login (a forged login would sign the victim in as the attacker)", async () => {
    const sessions = sessionCount();
    const audit = auditCount();
    const visitor = new EditorClient(portal().editorUrl);
    const loginCsrf = await visitor.loginToken();
    const forgeries: { what: string; csrf: string | null; headers: Record<string, string | null> }[] = [
      { what: "missing token", csrf: null, headers: {} },
      { what: "token not matching the login cookie", csrf: "B".repeat(43), headers: {} },
      { what: "no login cookie", csrf: loginCsrf, headers: { Cookie: "" } },
      { what: "foreign Origin", csrf: loginCsrf, headers: { Origin: "http://evil.example" } },
      { what: "Origin: null", csrf: loginCsrf, headers: { Origin: "null" } },
      { what: "Sec-Fetch-Site: cross-site", csrf: loginCsrf, headers: { "Sec-Fetch-Site": "cross-site" } },
      { what: "neither Origin nor Sec-Fetch-Site", csrf: loginCsrf, headers: { Origin: null, "Sec-Fetch-Site": null } },
    ];
    for (const [i, f] of forgeries.entries()) {
      // Valid credentials and a fresh code each time: only the CSRF layer stands in the way.
      const fields: Record<string, string> = { name: "alice", password: PASSWORD, code: totpCode(aliceSecret, (i % 2) + 1) };
      if (f.csrf !== null) fields.csrf = f.csrf;
      const res = await visitor.post("/editor/login", fields, f.headers);
      expect(res.status, f.what).toBe(403);
      expect(res.headers["set-cookie"], f.what).toBeUndefined();
    }
    expect(sessionCount()).toBe(sessions);
    expect(auditCount()).toBe(audit);
  });

  it("any other method or path with a foreign origin is refused before it reaches a route", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await rawRequest(portal().editorUrl, {
        method,
        path: "/editor",
        headers: { Origin: "http://evil.example", Cookie: alice.cookieHeader(), "Content-Type": "application/x-www-form-urlencoded" },
        body: new TextEncoder().encode(`csrf=${aliceCsrf}`),
      });
      expect(res.status, method).toBe(403);
    }
  });
});

describe("the genuine requests still work (so the refusals above are the checks, not breakage)", () => {
  it("a same-origin delete with the session's token deletes", async () => {
    const res = await alice.post(`/editor/submissions/${sub.id}/delete`, { csrf: aliceCsrf, confirm: "yes" });
    expect(res.status).toBe(303);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM submissions WHERE id = ?", sub.id)).toEqual([{ n: 0 }]);
  });

  it("a form without Origin but with Sec-Fetch-Site: same-origin and the token logs out", async () => {
    const res = await bob.post("/editor/logout", { csrf: bobCsrf }, { Origin: null, "Sec-Fetch-Site": "same-origin" });
    expect(res.status).toBe(303);
    expect(bob.session()).toBeUndefined();
  });
});
