/**
 * Threat: someone without a session (or with a forged, expired or malformed one) reaches an
 * editor page, action or download, or reads inbox data through Remix's data URLs. Every editor
 * route must answer 401 or redirect to the login page, and show nothing about submissions.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "~/envelope/hex";
import { rawRequest, type RawResponse } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal, type BuiltSubmission } from "../support/submission";
import { EditorClient, SESSION_COOKIE, addEditor, isUnauthenticated, originOf } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let sub: BuiltSubmission;
/** Sealed, and its id is in no URL we request: it can only show up if inbox data leaks. */
let other: BuiltSubmission;
let realCsrf: string;

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  const { recipients } = await fetchRecipients(witnessUrl);
  sub = await buildSubmission({ recipients, files: [{ name: "a", type: "b", data: randomBytes(50) }] });
  await uploadAndSeal(witnessUrl, sub);
  other = await buildSubmission({ recipients, files: [{ name: "c", type: "d", data: randomBytes(70) }] });
  await uploadAndSeal(witnessUrl, other);
  const { secret } = await addEditor(dataDir, "alice");
  const alice = new EditorClient(editorUrl);
  realCsrf = await alice.loginOk("alice", secret);
});

const pages = () => ["/editor", "/editor/", `/editor/submissions/${sub.id}/delete`, "/editor?page=1", "/editor/logout"];
const downloads = () => [`/editor/submissions/${sub.id}/bundle`, "/editor/bundles/new"];
const actions = () => ["/editor/logout", `/editor/submissions/${sub.id}/delete`];
const dataUrls = () => [
  "/editor.data",
  "/editor.data?_routes=routes%2Feditor._index",
  `/editor/submissions/${sub.id}/delete.data`,
  `/editor/submissions/${sub.id}/delete.data?_routes=routes%2Feditor.submissions.%24id.delete`,
];

/** Cookies a visitor without a live session might send. */
const FORGED = [
  "",
  `${SESSION_COOKIE}=${"A".repeat(43)}`,
  `${SESSION_COOKIE}=not-a-token`,
  `${SESSION_COOKIE}=${Buffer.alloc(32).toString("base64url")}`,
  `testigo_editor=${"A".repeat(43)}`,
];

function expectNothingAbout(res: RawResponse, what: string): void {
  expect(res.text, what).not.toContain(other.id);
  expect(res.text, what).not.toContain(other.id.slice(0, 8));
  expect(res.text, what).not.toContain(realCsrf);
  // The delete confirmation names the submission's day, files and size.
  expect(res.text, what).not.toContain("Size (padded)");
  expect(res.text, what).not.toContain("Delete for good");
  expect(res.headers["content-disposition"], what).toBeUndefined();
}

describe("without a live session", () => {
  it("every page redirects to the login page", async () => {
    for (const cookie of FORGED) {
      for (const target of pages()) {
        const res = await rawRequest(portal().editorUrl, { method: "GET", path: target, headers: cookie ? { Cookie: cookie } : {} });
        expect(isUnauthenticated(res), `${target} with "${cookie}": ${res.status} ${String(res.headers.location)}`).toBe(true);
        expectNothingAbout(res, target);
      }
    }
  });

  it("every download is 401", async () => {
    for (const cookie of FORGED) {
      for (const target of downloads()) {
        const res = await rawRequest(portal().editorUrl, { method: "GET", path: target, headers: cookie ? { Cookie: cookie } : {} });
        expect(res.status, `${target} with "${cookie}"`).toBe(401);
        expectNothingAbout(res, target);
      }
    }
  });

  it("every action is 401 and changes nothing, even from our own origin", async () => {
    for (const cookie of FORGED) {
      for (const target of actions()) {
        const body = new TextEncoder().encode(new URLSearchParams({ csrf: realCsrf, confirm: "yes" }).toString());
        const res = await rawRequest(portal().editorUrl, {
          method: "POST",
          path: target,
          headers: { Origin: originOf(portal().editorUrl), "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}) },
          body,
        });
        expect(res.status, `${target} with "${cookie}"`).toBe(401);
        expectNothingAbout(res, target);
      }
    }
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM submissions WHERE id = ?", sub.id)).toEqual([{ n: 1 }]);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions")).toEqual([{ n: 1 }]);
    expect(queryDb(portal().dataDir, "SELECT action FROM editor_audit WHERE action <> 'login_ok'")).toEqual([]);
  });

  it("Remix data URLs carry no inbox data", async () => {
    for (const target of dataUrls()) {
      const res = await rawRequest(portal().editorUrl, { method: "GET", path: target });
      expect([200, 202, 204, 302, 303, 401, 404], `${target}: ${res.status}`).toContain(res.status);
      expectNothingAbout(res, target);
      if (res.status === 202 || res.status === 200) expect(res.text, target).toContain("/editor/login");
    }
  });

  it("the login page itself is reachable and shows no data", async () => {
    const res = await rawRequest(portal().editorUrl, { method: "GET", path: "/editor/login" });
    expect(res.status).toBe(200);
    expect(res.text).toContain('name="password"');
    expectNothingAbout(res, "/editor/login");
  });
});
