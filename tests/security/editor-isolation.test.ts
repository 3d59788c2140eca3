/**
 * Threat: the editor interface (logins, inboxes, decrypted material later on) is reachable on the
 * public witness port — directly, by case or encoding tricks, or through Remix's data URLs
 * (`/editor.data` with single fetch) — or the witness upload API is reachable on the editor port.
 * Promise 4: each listener answers only for itself.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "~/envelope/hex";
import { listFiles, rawRequest } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";
import { EditorClient, addEditor, originOf } from "./editor-support";
import { withPortal } from "./helpers/fixture";

const portal = withPortal();

describe("the witness port never answers for the editor interface", () => {
  const editorPaths = [
    "/editor", "/editor/", "/editor/login", "/editor/inbox", "/editors", "/editors/",
    "/EDITOR", "/Editor/login", "/eDiToR/", "/editor.data", "/editor/login.data", "/editor/index.data",
    "/%65ditor", "/%65ditor/login", "/%45DITOR", "/editor%2Flogin", "/editor%2flogin.data", "//editor", "///editor/login",
    "/./editor", "/x/../editor", "/editor;x=1", "/editor?x=1", "/editor#x", "/editor/..;/login", "/editor.data?_routes=routes/editor",
    "/editor%00", "/%2e/editor", "/.%2e/editor",
  ];
  for (const target of editorPaths) {
    it(`${target} is 404 on the witness port`, async () => {
      for (const method of ["GET", "HEAD", "POST"]) {
        const res = await rawRequest(portal().witnessUrl, { method, path: target });
        // 400 is Node's own answer to a request line it cannot parse; anything else must be 404 (405 for POST).
        expect(method === "POST" ? [400, 404, 405] : [400, 404], `${method} ${target}: ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
        expect(res.text.toLowerCase()).not.toContain("editor interface");
        expect(res.headers["set-cookie"]).toBeUndefined();
      }
    });
  }
});

describe("the editor port never serves the witness API or pages", () => {
  it("keyring, status, upload and seal are 404 JSON on the editor port, and nothing is stored", async () => {
    const { editorUrl, witnessUrl, dataDir } = portal();
    const { recipients } = await fetchRecipients(witnessUrl);
    const sub = await buildSubmission({ recipients, files: [{ name: "a", type: "b", data: randomBytes(10) }] });
    const before = await listFiles(dataDir);
    const requests = [
      { method: "GET", path: "/api/v1/keyring" },
      { method: "GET", path: `/api/v1/submissions/${sub.id}` },
      ...sub.parts.map((p) => ({ method: "PUT", path: `/api/v1/submissions/${sub.id}/parts/${p.name}`, headers: { "Content-Type": "application/octet-stream" }, body: p.bytes })),
      { method: "POST", path: `/api/v1/submissions/${sub.id}/seal`, headers: { "Content-Type": "application/json" }, body: new TextEncoder().encode(JSON.stringify(sub.seal)) },
      { method: "GET", path: "/API/V1/KEYRING" },
    ];
    for (const request of requests) {
      const res = await rawRequest(editorUrl, request);
      expect(res.status, `${request.method} ${request.path}`).toBe(404);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: "not_found" } });
    }
    expect(await listFiles(dataDir)).toEqual(before);
    expect((await rawRequest(witnessUrl, { method: "GET", path: `/api/v1/submissions/${sub.id}` })).status).toBe(404);
  });

  it("the witness pages and their assets are not served on the editor port", async () => {
    const { editorUrl, witnessUrl } = portal();
    const home = await rawRequest(witnessUrl, { method: "GET", path: "/" });
    expect(home.status).toBe(200);
    for (const target of ["/", "/index.data", "/_root.data", "/es", "/en"]) {
      const res = await rawRequest(editorUrl, { method: "GET", path: target });
      expect(res.status, target).toBe(404);
      expect(res.text).not.toContain("__remixContext");
    }
  });

  it("the two listeners are different ports on the configured loopback host", () => {
    const { editorUrl, witnessUrl } = portal();
    expect(new URL(editorUrl).port).not.toBe(new URL(witnessUrl).port);
    expect(new URL(editorUrl).hostname).toBe("127.0.0.1");
    expect(new URL(witnessUrl).hostname).toBe("127.0.0.1");
  });
});

describe("a signed-in editor's session is worth nothing on the witness port", () => {
  it("with a live session cookie, every editor page, data URL, download and action is still 404 there", async () => {
    const { editorUrl, witnessUrl, dataDir } = portal();
    const { recipients } = await fetchRecipients(witnessUrl);
    const sub = await buildSubmission({ recipients, files: [{ name: "a", type: "b", data: randomBytes(10) }] });
    await uploadAndSeal(witnessUrl, sub);
    const { secret } = await addEditor(dataDir, "alice");
    const alice = new EditorClient(editorUrl);
    const csrf = await alice.loginOk("alice", secret);
    expect((await alice.get("/editor")).text).toContain(sub.id);

    const cookie = alice.cookieHeader();
    const gets = ["/editor", "/editor/login", `/editor/submissions/${sub.id}/bundle`, "/editor/bundles/new", `/editor/submissions/${sub.id}/delete`, "/editor.data", "/editor/login.data"];
    for (const target of gets) {
      const res = await rawRequest(witnessUrl, { method: "GET", path: target, headers: { Cookie: cookie } });
      expect(res.status, target).toBe(404);
      expect(res.text, target).not.toContain(sub.id);
      expect(res.headers["set-cookie"], target).toBeUndefined();
    }
    for (const target of ["/editor/logout", `/editor/submissions/${sub.id}/delete`, "/editor/login"]) {
      const res = await rawRequest(witnessUrl, {
        method: "POST",
        path: target,
        headers: { Cookie: cookie, Origin: originOf(witnessUrl), "Content-Type": "application/x-www-form-urlencoded" },
        body: new TextEncoder().encode(`csrf=${csrf}&confirm=yes`),
      });
      expect([404, 405], target).toContain(res.status);
    }
    // Nothing happened: the submission and the session are still there.
    expect((await alice.get("/editor")).text).toContain(sub.id);
  });
});
