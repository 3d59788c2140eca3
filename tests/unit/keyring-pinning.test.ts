/**
 * The browser's keyring check against the root fingerprint built into the bundle (npm prebuild
 * from TESTIGO_ROOT_FINGERPRINT): a keyring signed by any other root is refused before anything is
 * encrypted, whatever fingerprint the page (i.e. the server) shows; a demo build pins nothing.
 * Runs loadKeyring itself, the code the page runs, against a fake fetch.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyringBundle } from "~/keyring/document";
import { generateV4Key } from "~/keyring/generate";
import { alwaysOnline } from "~/submit/connectivity.client";
import { SubmitError } from "~/submit/errors";
import { loadKeyring, pinnedRoot } from "~/submit/keyring.client";
import { readKeyringBundle } from "../../server/keyring/files";
import { pinnedRootSource } from "../../server/keyring/generate-pinned-root";
import { makeEditorKey, writeSignedKeyring } from "../support/keys";

let dir: string;
let bundle: KeyringBundle;
let signedBy: string;
let otherRoot: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "testigo-pin-"));
  const written = await writeSignedKeyring(dir, { editors: [{ key: await makeEditorKey(), status: "active" }] });
  signedBy = written.rootFingerprint;
  bundle = await readKeyringBundle(dir);
  otherRoot = (await generateV4Key({ name: "Another root", encryption: false })).fingerprint;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const load = (options: { pinnedRootFingerprint: string | null; trustedRootFingerprint?: string }) =>
  loadKeyring({ ...options, fetch: () => Promise.resolve(Response.json(bundle)), connectivity: alwaysOnline });

async function refusal(promise: Promise<unknown>): Promise<SubmitError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof SubmitError)) throw new Error(`expected a SubmitError, got ${String(error)}`);
  return error;
}

describe("browser root pinning", () => {
  it("refuses a keyring signed by another root than the pinned one, even when the page shows that root", async () => {
    const unshown = await refusal(load({ pinnedRootFingerprint: otherRoot }));
    expect(unshown.code).toBe("keyring-invalid");
    expect(unshown.message).toContain(`not by the trusted root ${otherRoot}`);

    const shown = await refusal(load({ pinnedRootFingerprint: otherRoot, trustedRootFingerprint: signedBy }));
    expect(shown.code).toBe("keyring-invalid");
    expect(shown.message).toContain(`built for root key ${otherRoot}`);
  });

  it("accepts the keyring signed by the pinned root", async () => {
    const keyring = await load({ pinnedRootFingerprint: signedBy, trustedRootFingerprint: signedBy });
    expect(keyring.document.root).toBe(signedBy);
  });

  it("in a build that pins nothing, falls back to the page's fingerprint and says nothing is pinned", async () => {
    expect(pinnedRoot({ pinnedRootFingerprint: null })).toBeNull();
    expect((await load({ pinnedRootFingerprint: null })).document.root).toBe(signedBy);
    expect((await refusal(load({ pinnedRootFingerprint: null, trustedRootFingerprint: otherRoot }))).code).toBe("keyring-invalid");
  });

  it("the generated module holds the fingerprint, or null", () => {
    expect(pinnedRootSource(signedBy)).toContain(`export const PINNED_ROOT_FINGERPRINT: string | null = "${signedBy}";`);
    expect(pinnedRootSource(null)).toContain("export const PINNED_ROOT_FINGERPRINT: string | null = null;");
  });
});
