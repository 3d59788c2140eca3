/**
 * Threat: a session outlives its logout (a copied cookie keeps working) or a GET elsewhere logs
 * an editor out. Logout is a POST with the CSRF checks; it deletes the session row, clears the
 * cookie (and asks the browser to clear the site's cache), and the old cookie is then worthless.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { EditorClient, SESSION_COOKIE, addEditor, isUnauthenticated } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let secret: string;

beforeAll(async () => {
  secret = (await addEditor(portal().dataDir, "alice")).secret;
});

describe("logout", () => {
  it("deletes the session; the old cookie then gets the login redirect and 401s", async () => {
    const client = new EditorClient(portal().editorUrl);
    const csrf = await client.loginOk("alice", secret);
    const old = client.session()!;
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions")).toEqual([{ n: 1 }]);

    const res = await client.post("/editor/logout", { csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe("/editor/login?signed-out");
    expect(res.headers["set-cookie"]).toEqual([`${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`]);
    expect(res.headers["clear-site-data"]).toBe('"cache", "cookies"');
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions")).toEqual([{ n: 0 }]);
    expect(queryDb(portal().dataDir, "SELECT editor, action FROM editor_audit ORDER BY seq")).toEqual([
      { editor: "alice", action: "login_ok" },
      { editor: "alice", action: "logout" },
    ]);

    const copy = new EditorClient(portal().editorUrl);
    copy.cookies.set(SESSION_COOKIE, old);
    expect(isUnauthenticated(await copy.get("/editor"))).toBe(true);
    expect((await copy.get("/editor/bundles/new")).status).toBe(401);
    expect((await copy.post("/editor/logout", { csrf })).status).toBe(401);
  });

  it("a GET never logs out", async () => {
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("alice", secret, undefined, 1);
    const res = await client.get("/editor/logout");
    expect(res.status).toBe(303);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect((await client.get("/editor")).status).toBe(200);
  });
});
