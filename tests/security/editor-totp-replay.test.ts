/**
 * Threat: a TOTP code seen over a shoulder, in a proxy log or by malware is used again within its
 * 30-second life (or the ±1 step of drift we accept). Each time step's code logs in once; a code
 * from an earlier step than the last accepted one is refused too; two logins racing with one code
 * cannot both win.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { EditorClient, PASSWORD, addEditor, totpCode } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
let secret: string;
let raceSecret: string;

beforeAll(async () => {
  secret = (await addEditor(portal().dataDir, "alice")).secret;
  raceSecret = (await addEditor(portal().dataDir, "dave")).secret;
});

describe("a TOTP code works once", () => {
  it("the same code again, from another browser, is refused; the next step's code works", async () => {
    const code = totpCode(secret);
    const first = new EditorClient(portal().editorUrl);
    const ok = await first.login("alice", PASSWORD, code);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe("/editor");

    const replay = new EditorClient(portal().editorUrl);
    const again = await replay.login("alice", PASSWORD, code);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe("/editor/login?failed");
    expect(again.headers["set-cookie"]).toBeUndefined();

    // The previous step's code is still within the drift window, but older than the one used.
    const older = await replay.login("alice", PASSWORD, totpCode(secret, -1));
    expect(older.headers.location).toBe("/editor/login?failed");

    const next = await replay.login("alice", PASSWORD, totpCode(secret, 1));
    expect(next.headers.location).toBe("/editor");
    // And the next step's code, once used, is spent as well.
    const nextAgain = await new EditorClient(portal().editorUrl).login("alice", PASSWORD, totpCode(secret, 1));
    expect(nextAgain.headers.location).toBe("/editor/login?failed");
  });

  it("codes outside the drift window are refused", async () => {
    const client = new EditorClient(portal().editorUrl);
    for (const steps of [3, -3]) {
      const res = await client.login("dave", PASSWORD, totpCode(raceSecret, steps));
      expect(res.headers.location, `${steps} steps`).toBe("/editor/login?failed");
    }
  });

  it("two logins racing with one code: exactly one session", async () => {
    const code = totpCode(raceSecret);
    const clients = [new EditorClient(portal().editorUrl), new EditorClient(portal().editorUrl), new EditorClient(portal().editorUrl)];
    const tokens = await Promise.all(clients.map((c) => c.loginToken()));
    const results = await Promise.all(clients.map((c, i) => c.post("/editor/login", { name: "dave", password: PASSWORD, code, csrf: tokens[i]! })));
    expect(results.filter((r) => r.headers.location === "/editor")).toHaveLength(1);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions s JOIN editors e ON e.id = s.editor_id WHERE e.name = 'dave'")).toEqual([{ n: 1 }]);
  });
});
