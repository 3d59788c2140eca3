/**
 * Threat: session fixation. An attacker who can plant a session cookie in the editor's browser
 * (before login) must not end up sharing the session the editor then creates. The server never
 * adopts an id it did not just make: login always issues a new one, and ends the old one.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { EditorClient, LOGIN_COOKIE, PASSWORD, SESSION_COOKIE, addEditor, isUnauthenticated, totpCode } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
const secrets = new Map<string, string>();

beforeAll(async () => {
  for (const name of ["alice", "bob", "carol"]) secrets.set(name, (await addEditor(portal().dataDir, name)).secret);
});

describe("login issues a fresh session id", () => {
  it("a planted cookie is not adopted, and is useless afterwards", async () => {
    const planted = "P".repeat(43);
    const victim = new EditorClient(portal().editorUrl);
    victim.cookies.set(SESSION_COOKIE, planted);
    const res = await victim.login("alice", PASSWORD, totpCode(secrets.get("alice")!));
    expect(res.headers.location).toBe("/editor");
    const issued = victim.session();
    expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued).not.toBe(planted);

    const attacker = new EditorClient(portal().editorUrl);
    attacker.cookies.set(SESSION_COOKIE, planted);
    expect(isUnauthenticated(await attacker.get("/editor"))).toBe(true);
    expect((await victim.get("/editor")).status).toBe(200);
  });

  it("logging in again over a live session replaces it; the old id no longer works", async () => {
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("bob", secrets.get("bob")!);
    const first = client.session()!;

    // The login page redirects a signed-in browser to the inbox; post the form anyway, as a
    // second tab would, with a login token from the page.
    const csrf = await new EditorClient(portal().editorUrl).loginToken();
    client.cookies.set(LOGIN_COOKIE, csrf);
    const again = await client.post("/editor/login", { name: "bob", password: PASSWORD, code: totpCode(secrets.get("bob")!, 1), csrf });
    expect(again.headers.location).toBe("/editor");
    const second = client.session()!;
    expect(second).not.toBe(first);

    const stale = new EditorClient(portal().editorUrl);
    stale.cookies.set(SESSION_COOKIE, first);
    expect(isUnauthenticated(await stale.get("/editor"))).toBe(true);
    expect((await client.get("/editor")).status).toBe(200);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions s JOIN editors e ON e.id = s.editor_id WHERE e.name = 'bob'")).toEqual([{ n: 1 }]);
  });

  it("the session cookie keeps to this host and site, and only its hash is stored", async () => {
    const client = new EditorClient(portal().editorUrl);
    const res = await client.login("carol", PASSWORD, totpCode(secrets.get("carol")!));
    expect(res.headers.location).toBe("/editor");
    const session = (res.headers["set-cookie"] ?? []).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(session).toBeDefined();
    const [pair, ...rest] = session!.split(";").map((a) => a.trim());
    const attributes = rest.map((a) => a.toLowerCase());
    expect(attributes.sort()).toEqual(["httponly", "path=/", "samesite=strict", "secure"]);
    const id = pair!.slice(`${SESSION_COOKIE}=`.length);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(id, "base64url")).toHaveLength(32);
    const rows = JSON.stringify(queryDb(portal().dataDir, "SELECT * FROM editor_sessions"));
    expect(rows).not.toContain(id);
    expect(rows).toContain(createHash("sha256").update(id).digest("hex"));
  });
});
