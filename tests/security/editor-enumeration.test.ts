/**
 * Threat: learning which editor accounts exist (or which are disabled, or whose password is
 * known) from the login's answers. Unknown name, wrong password, wrong code and disabled account
 * all get the same status, headers and body, and take about as long (each one costs an Argon2id
 * verification). An oversize password is refused, with the same answer, before any hashing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RawResponse } from "../support/portal";
import { EditorClient, PASSWORD, addEditor, editorsCli, totpCode } from "./editor-support";
import { withPortal } from "./helpers/fixture";

const portal = withPortal();
const secrets = new Map<string, string>();

beforeAll(async () => {
  for (const name of ["erin", "frank", "grace", "heidi"]) secrets.set(name, (await addEditor(portal().dataDir, name)).secret);
  expect((await editorsCli(portal().dataDir, ["disable", "heidi"])).code).toBe(0);
});

/** Everything about a response an attacker can see, minus what differs per response anyway. */
function observable(res: RawResponse): unknown {
  const headers = { ...res.headers };
  delete headers.date;
  const csp = String(headers["content-security-policy"]).replace(/'nonce-[^']+'/, "'nonce-X'");
  delete headers["content-security-policy"];
  return { status: res.status, headers, csp, body: res.text };
}

async function attempt(name: string, password: string, code: string): Promise<{ res: RawResponse; ms: number }> {
  const client = new EditorClient(portal().editorUrl);
  const csrf = await client.loginToken();
  const start = performance.now();
  const res = await client.post("/editor/login", { name, password, code, csrf });
  return { res, ms: performance.now() - start };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("login failures are indistinguishable", () => {
  it("unknown name, wrong password, wrong code, disabled account, oversize password: one answer", async () => {
    const cases = {
      "unknown name": () => attempt("nobody", PASSWORD, totpCode(secrets.get("erin")!)),
      "wrong password": () => attempt("erin", "not the password at all", totpCode(secrets.get("erin")!)),
      "wrong code": () => attempt("frank", PASSWORD, totpCode(secrets.get("frank")!) === "000000" ? "111111" : "000000"),
      "malformed code": () => attempt("grace", PASSWORD, "abc"),
      "disabled account, everything right": () => attempt("heidi", PASSWORD, totpCode(secrets.get("heidi")!)),
      "oversize password": () => attempt("grace", "x".repeat(1025), totpCode(secrets.get("grace")!)),
    };
    const seen = new Map<string, unknown>();
    for (const [what, run] of Object.entries(cases)) seen.set(what, observable((await run()).res));
    const reference = seen.get("wrong password");
    expect(reference).toMatchObject({ status: 303, body: "", headers: { location: "/editor/login?failed" } });
    for (const [what, value] of seen) expect(value, what).toEqual(reference);
  });

  it("an unknown name takes about as long as a wrong password (both verify an Argon2id hash)", async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 3; i++) {
      unknown.push((await attempt(`ghost${i}`, PASSWORD, "123456")).ms);
      wrong.push((await attempt("grace", `wrong ${i} password`, "123456")).ms);
    }
    console.info(`unknown name ${unknown.map((m) => m.toFixed(0)).join("/")} ms; wrong password ${wrong.map((m) => m.toFixed(0)).join("/")} ms`);
    // Loose on purpose (shared CI cores): without the dummy hash the ratio would be ~0.05.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.25);
    expect(median(unknown) / median(wrong)).toBeLessThan(4);
  });

  it("the login page itself does not depend on the name (there is no per-name step)", async () => {
    const page = await new EditorClient(portal().editorUrl).get("/editor/login?failed");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Login failed.");
    expect(page.text).not.toMatch(/unknown|no such|disabled|wrong password|wrong code/i);
  });
});
