/**
 * Threat: a session left open on an unattended laptop, or a stolen cookie, stays usable for
 * days. Sessions end after 15 minutes without a request and 12 hours after login, whatever the
 * activity; disabling an account, resetting its two-factor secret or setting a new password ends
 * its sessions at once.
 * Time is moved by ageing the rows in the portal's database (the server reads them per request).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EditorClient, PASSWORD, addEditor, editorsCli, isUnauthenticated, secretFromOutput, totpCode, withDb } from "./editor-support";
import { queryDb, withPortal } from "./helpers/fixture";

const portal = withPortal();
const MINUTE = 60_000;

function age(dataDir: string, column: "last_seen_ms" | "created_ms", ms: number): void {
  withDb(dataDir, (db) => db.prepare(`UPDATE editor_sessions SET ${column} = ${column} - ?`).run(ms));
}

describe("session lifetime", () => {
  it("idle 14 minutes: still valid (and the idle clock restarts); idle 16 minutes: ended", async () => {
    const { secret } = await addEditor(portal().dataDir, "ivan");
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("ivan", secret);
    age(portal().dataDir, "last_seen_ms", 14 * MINUTE);
    expect((await client.get("/editor")).status).toBe(200);
    age(portal().dataDir, "last_seen_ms", 14 * MINUTE);
    expect((await client.get("/editor")).status).toBe(200);
    age(portal().dataDir, "last_seen_ms", 16 * MINUTE);
    expect(isUnauthenticated(await client.get("/editor"))).toBe(true);
    expect((await client.get("/editor/bundles/new")).status).toBe(401);
    expect(queryDb(portal().dataDir, "SELECT count(*) AS n FROM editor_sessions s JOIN editors e ON e.id = s.editor_id WHERE e.name = 'ivan'")).toEqual([{ n: 0 }]);
  });

  it("12 hours after login the session ends even if it was used a second ago", async () => {
    const { secret } = await addEditor(portal().dataDir, "judy");
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("judy", secret);
    age(portal().dataDir, "created_ms", 11 * 60 * MINUTE);
    expect((await client.get("/editor")).status).toBe(200);
    age(portal().dataDir, "created_ms", 61 * MINUTE);
    expect(isUnauthenticated(await client.get("/editor"))).toBe(true);
  });

  it("disabling an account ends its sessions and refuses its logins; enabling restores logins only", async () => {
    const { secret } = await addEditor(portal().dataDir, "kim");
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("kim", secret);
    const disabled = await editorsCli(portal().dataDir, ["disable", "kim"]);
    expect(disabled.code).toBe(0);
    expect(isUnauthenticated(await client.get("/editor"))).toBe(true);
    const refused = await new EditorClient(portal().editorUrl).login("kim", PASSWORD, totpCode(secret, 1));
    expect(refused.headers.location).toBe("/editor/login?failed");
    expect((await editorsCli(portal().dataDir, ["list"])).stdout).toMatch(/^kim\tdisabled\t/m);
    expect((await editorsCli(portal().dataDir, ["enable", "kim"])).code).toBe(0);
    await new EditorClient(portal().editorUrl).loginOk("kim", secret, PASSWORD, 1);
  });

  it("reset-2fa ends the sessions, the old secret's codes stop working, the new one's work", async () => {
    const { secret } = await addEditor(portal().dataDir, "leo");
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("leo", secret);
    const reset = await editorsCli(portal().dataDir, ["reset-2fa", "leo"]);
    expect(reset.code).toBe(0);
    const fresh = secretFromOutput(reset.stdout);
    expect(fresh).not.toBe(secret);
    expect(reset.stdout).toContain("otpauth://totp/");
    expect(isUnauthenticated(await client.get("/editor"))).toBe(true);
    const old = await new EditorClient(portal().editorUrl).login("leo", PASSWORD, totpCode(secret, 1));
    expect(old.headers.location).toBe("/editor/login?failed");
    await new EditorClient(portal().editorUrl).loginOk("leo", fresh);
  });

  it("set-password ends the sessions; the old password stops working, the new one works", async () => {
    const { secret } = await addEditor(portal().dataDir, "mia");
    const client = new EditorClient(portal().editorUrl);
    await client.loginOk("mia", secret);
    const file = path.join(portal().dataDir, "pw-mia-new.txt");
    await writeFile(file, "a different long passphrase\n");
    const changed = await editorsCli(portal().dataDir, ["set-password", "mia", "--password-file", file]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(isUnauthenticated(await client.get("/editor"))).toBe(true);
    const old = await new EditorClient(portal().editorUrl).login("mia", PASSWORD, totpCode(secret, 1));
    expect(old.headers.location).toBe("/editor/login?failed");
    await new EditorClient(portal().editorUrl).loginOk("mia", secret, "a different long passphrase", 1);
  });

  it("the CLI refuses short passwords and unknown names, and changes nothing", async () => {
    const file = path.join(portal().dataDir, "pw-short.txt");
    await writeFile(file, "too short\n");
    const short = await editorsCli(portal().dataDir, ["add", "nina", "--password-file", file]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("at least 12 characters");
    expect(short.stdout).not.toContain("otpauth://");
    expect((await editorsCli(portal().dataDir, ["disable", "nobody"])).code).toBe(1);
    expect((await editorsCli(portal().dataDir, ["reset-2fa", "nobody"])).stdout).not.toContain("otpauth://");
    expect((await editorsCli(portal().dataDir, ["list"])).stdout).not.toMatch(/^nina\t/m);
  });
});
