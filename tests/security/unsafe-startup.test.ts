/**
 * Threat: the portal runs in an unsafe configuration without anyone noticing — production on a
 * demo key whose secret sits on the server, production with no keyring (silently falling back to
 * demo mode), a keyring not signed by the pinned root, a tampered keyring, a typo in NODE_ENV, or
 * both listeners on one port. Every one must stop start-up with a non-zero exit and a clear
 * message naming the problem (and no stack trace); the one valid production setup must start.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateV4Key } from "~/keyring/generate";
import { listFiles, runPortalExpectingExit, startPortal, type ExitResult } from "../support/portal";
import { makeEditorKey, writeSignedKeyring, type TestEditorKey, type WrittenKeyring } from "../support/keys";
import { fetchRecipients } from "../support/submission";

let scratch: string;
let editor: TestEditorKey;
let real: WrittenKeyring;
let demo: WrittenKeyring;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "testigo-startup-"));
  editor = await makeEditorKey("Production editor");
  real = await writeSignedKeyring(path.join(scratch, "keys-real"), { editors: [{ key: editor, status: "active" }] });
  demo = await writeSignedKeyring(path.join(scratch, "keys-demo"), { editors: [{ key: editor, status: "active" }], demo: true });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let runs = 0;
async function run(env: Record<string, string>): Promise<ExitResult & { dataDir: string }> {
  const dataDir = path.join(scratch, `data-${runs++}`);
  const result = await runPortalExpectingExit({ TESTIGO_DATA_DIR: dataDir, TESTIGO_MIN_FREE_BYTES: "0", ...env });
  return { ...result, dataDir };
}

function expectRefusal(result: ExitResult, mentions: RegExp[]): void {
  expect(result.started, `the portal started instead of refusing:\n${result.output}`).toBe(false);
  expect(result.code, result.output).not.toBe(0);
  expect(result.code, result.output).not.toBeNull();
  for (const m of mentions) expect(result.output, `the message should say ${m}`).toMatch(m);
  expect(result.output, "a refusal is a message, not a stack trace").not.toMatch(/\n\s+at\s+\S+/);
  expect(result.output).not.toMatch(/listening on/);
}

describe("production refuses to start unsafely", () => {
  it("with no keyring, and does not create demo keys", async () => {
    const result = await run({ NODE_ENV: "production", TESTIGO_KEYS_DIR: path.join(scratch, "no-such-keys") });
    expectRefusal(result, [/production/i, /keyring/i]);
    expect((await listFiles(result.dataDir)).filter((f) => f.includes("demo"))).toEqual([]);
  });

  it("with the demo keyring, even when its root is pinned", async () => {
    const result = await run({ NODE_ENV: "production", TESTIGO_KEYS_DIR: demo.dir, TESTIGO_ROOT_FINGERPRINT: demo.rootFingerprint });
    expectRefusal(result, [/demo/i]);
  });

  it("with a keyring but no pinned root fingerprint", async () => {
    const result = await run({ NODE_ENV: "production", TESTIGO_KEYS_DIR: real.dir });
    expectRefusal(result, [/TESTIGO_ROOT_FINGERPRINT/]);
  });

  it("with a keyring signed by another root than the pinned one", async () => {
    const other = await generateV4Key({ name: "Another root", encryption: false });
    const result = await run({ NODE_ENV: "production", TESTIGO_KEYS_DIR: real.dir, TESTIGO_ROOT_FINGERPRINT: other.fingerprint });
    expectRefusal(result, [new RegExp(other.fingerprint)]);
  });

  it("with a keyring document edited after signing (any mode)", async () => {
    const tampered = await writeSignedKeyring(path.join(scratch, "keys-tampered"), { editors: [{ key: editor, status: "active" }] });
    const file = path.join(tampered.dir, "keyring.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"version": 1', '"version": 2'));
    const modes: Record<string, string>[] = [{ NODE_ENV: "production", TESTIGO_ROOT_FINGERPRINT: tampered.rootFingerprint }, { NODE_ENV: "development" }];
    for (const env of modes) {
      const result = await run({ ...env, TESTIGO_KEYS_DIR: tampered.dir });
      expectRefusal(result, [/signature/i]);
    }
  });

  it("control: a signed, non-demo keyring with its root pinned starts and serves that keyring", async () => {
    const portal = await startPortal({ env: { NODE_ENV: "production", TESTIGO_KEYS_DIR: real.dir, TESTIGO_ROOT_FINGERPRINT: real.rootFingerprint } });
    try {
      expect(portal.output()).not.toMatch(/DEMO/);
      expect(portal.demoSecretKeyPath).toBeNull();
      const { recipients } = await fetchRecipients(portal.witnessUrl);
      expect(recipients.map((k) => k.getFingerprint().toUpperCase())).toEqual([editor.fingerprint]);
    } finally {
      await portal.stop();
      await rm(portal.dataDir, { recursive: true, force: true });
    }
  });
});

describe("invalid configuration is refused with a message naming the setting", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["PORT not a number", { PORT: "http" }, /PORT/],
    ["PORT out of range", { PORT: "70000" }, /PORT/],
    ["PORT negative", { PORT: "-1" }, /PORT/],
    ["PORT with junk", { PORT: "3000abc" }, /PORT/],
    ["EDITOR_PORT out of range", { EDITOR_PORT: "65536" }, /EDITOR_PORT/],
    ["NODE_ENV typo (must not fall back to demo mode)", { NODE_ENV: "prod" }, /NODE_ENV/],
    ["a size limit with a unit", { TESTIGO_MAX_PART_BYTES: "10MB" }, /TESTIGO_MAX_PART_BYTES/],
    ["a zero TTL", { TESTIGO_UNSEALED_TTL_DAYS: "0" }, /TESTIGO_UNSEALED_TTL_DAYS/],
    ["a malformed root fingerprint", { TESTIGO_ROOT_FINGERPRINT: "not-a-fingerprint" }, /TESTIGO_ROOT_FINGERPRINT/],
  ];
  for (const [label, env, mention] of cases) {
    it(label, async () => {
      const result = await run({ NODE_ENV: "development", TESTIGO_KEYS_DIR: path.join(scratch, "no-keys"), ...env });
      expectRefusal(result, [mention]);
    });
  }

  it("both listeners on the same port (the editor interface would answer on the witness port)", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const address = probe.address();
        const chosen = typeof address === "object" && address !== null ? address.port : 0;
        probe.close(() => resolve(chosen));
      });
    });
    const result = await run({ NODE_ENV: "development", TESTIGO_KEYS_DIR: path.join(scratch, "no-keys"), PORT: String(port), EDITOR_PORT: String(port) });
    expectRefusal(result, [/PORT/]);
  });
});
