/**
 * Threat: telling codenames apart from outside. Someone who guesses login verifiers, or who learns
 * a deleted thread's codename (a seized phone), must not learn whether it ever existed or is
 * merely mistyped: wrong, malformed and deleted-thread codenames get byte-identical answers (status,
 * body, and every header but Date and the CSP nonce), and found and not found both take at least
 * the time floor, so timing does not separate them either.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { UNKNOWN_CODENAME } from "~/contact/format";
import { randomBytes } from "~/envelope/hex";
import type { RawResponse } from "../support/portal";
import { FAST_CONTACT_ENV, linkFollowUp, makeWitnessKeys, newLogin, openThread, register, registration, solvedProof } from "../support/contact";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";
import { EditorClient, addEditor } from "./editor-support";
import { withPortal } from "./helpers/fixture";

const FLOOR_MS = 400;
const portal = withPortal({ env: { ...FAST_CONTACT_ENV, TESTIGO_CONTACT_FLOOR_MS: String(FLOOR_MS) } });

const liveLogin = newLogin();
const deletedLogin = newLogin();
let liveThread: string;

async function sealedWithCodename(witnessUrl: string, login: string): Promise<string> {
  const { recipients } = await fetchRecipients(witnessUrl);
  const sub = await buildSubmission({ recipients, files: [{ name: "a.jpg", type: "image/jpeg", data: randomBytes(100) }] });
  await uploadAndSeal(witnessUrl, sub);
  const res = await register(witnessUrl, sub.id, registration(login, await makeWitnessKeys()));
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return sub.id;
}

beforeAll(async () => {
  const { witnessUrl, editorUrl, dataDir } = portal();
  liveThread = await sealedWithCodename(witnessUrl, liveLogin);
  const doomed = await sealedWithCodename(witnessUrl, deletedLogin);
  const { secret } = await addEditor(dataDir, "erin");
  const erin = new EditorClient(editorUrl);
  const csrf = await erin.loginOk("erin", secret);
  const deleted = await erin.post(`/editor/submissions/${doomed}/delete`, { csrf, confirm: "yes" });
  if (deleted.status !== 303) throw new Error(`delete: ${deleted.status}`);
});

/** Everything a client sees, minus the two headers that differ on every response by design. */
function comparable(res: RawResponse): { status: number; headers: Record<string, unknown>; body: string } {
  const headers: Record<string, unknown> = { ...res.headers };
  delete headers.date;
  delete headers["content-security-policy"];
  return { status: res.status, headers, body: res.body.toString("base64") };
}

async function timed(work: () => Promise<RawResponse>): Promise<{ res: RawResponse; ms: number }> {
  const start = performance.now();
  const res = await work();
  return { res, ms: performance.now() - start };
}

describe("the unknown-codename answer", () => {
  it("is byte-identical for wrong, malformed and deleted-thread codenames, and takes the floor", async () => {
    const { witnessUrl } = portal();
    const candidates: Record<string, string> = {
      wrong: newLogin(),
      "two letters": "zz",
      "63 hex digits": newLogin().slice(1),
      "uppercase hex (the live codename's verifier)": liveLogin.toUpperCase(),
      "65 hex digits": `${newLogin()}0`,
      empty: "",
      "not hex": "g".repeat(64),
      "deleted thread": deletedLogin,
    };
    const answers: { name: string; res: RawResponse }[] = [];
    for (const [name, login] of Object.entries(candidates)) {
      // The puzzle is solved before the clock starts: only the server's part is timed.
      const proof = await solvedProof(witnessUrl);
      const { res, ms } = await timed(() => openThread(witnessUrl, login, proof));
      expect(ms, `${name} answered in ${ms} ms`).toBeGreaterThanOrEqual(FLOOR_MS);
      answers.push({ name, res });
    }
    const [first, ...rest] = answers;
    if (!first) throw new Error("no answers");
    expect(first.res.status).toBe(404);
    expect(JSON.parse(first.res.text)).toEqual({ error: UNKNOWN_CODENAME });
    expect(first.res.headers["set-cookie"]).toBeUndefined();
    for (const { name, res } of rest) expect(comparable(res), name).toEqual(comparable(first.res));
  });

  it("is the same answer when linking a follow-up with an unknown codename", async () => {
    const { witnessUrl } = portal();
    const open = await openThread(witnessUrl, newLogin());
    for (const login of [newLogin(), "zz", deletedLogin]) {
      const link = await linkFollowUp(witnessUrl, login, liveThread);
      expect(link.status).toBe(404);
      expect(link.body.equals(open.body), login).toBe(true);
    }
  });

  it("a right codename also takes at least the floor", async () => {
    const { witnessUrl } = portal();
    const proof = await solvedProof(witnessUrl);
    const { res, ms } = await timed(() => openThread(witnessUrl, liveLogin, proof));
    expect(res.status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(FLOOR_MS);
  });
});
