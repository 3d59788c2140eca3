/**
 * `testigo export` on the server host writes whole threads: the first submission, its sealed
 * follow-ups, the editors' replies and the witness's public key in one bundle per thread, which
 * `testigo decrypt` reads offline (follow-up and reply included), as it reads the editor
 * interface's thread download.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTestigo } from "../support/cli";
import { FAST_CONTACT_ENV, encryptTestReply, loggedInEditor, postReply, seedThread, sendFollowUp } from "../support/contact";
import { startPortal, type Portal } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal } from "../support/submission";

let portal: Portal;
let work: string;
let root = "";
let followUp = "";
let alone = "";
const replyText = "¿Puede decirnos a qué hora ocurrió?";

beforeAll(async () => {
  portal = await startPortal({ env: FAST_CONTACT_ENV });
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-export-thread-"));
  const { recipients } = await fetchRecipients(portal.witnessUrl);
  const seeded = await seedThread(portal.witnessUrl, recipients, { report: "primer informe" });
  root = seeded.thread;
  const editor = await loggedInEditor(portal);
  const reply = await encryptTestReply({ thread: root, witnessPublicKey: seeded.keys.publicKey, editorKeys: recipients, text: replyText });
  expect((await postReply(editor.client, root, reply, editor.csrf)).status).toBe(201);
  followUp = await sendFollowUp(portal.witnessUrl, recipients, seeded, { report: "a las 21:40", files: [{ name: "acta.jpg", type: "image/jpeg", data: new Uint8Array([1, 2, 3]) }] });

  const other = await buildSubmission({ recipients, files: [], report: { what: "otro testigo" } });
  await uploadAndSeal(portal.witnessUrl, other);
  alone = other.id;
});

afterAll(async () => {
  await portal?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("testigo export of threads", () => {
  it("writes one bundle per thread, follow-ups inside their thread, and it decrypts whole", async () => {
    const usb = path.join(work, "usb");
    const exported = await runTestigo(["export", "--out", usb], { TESTIGO_DATA_DIR: portal.dataDir });
    expect(exported.code, exported.out).toBe(0);
    expect(exported.out).toContain("exported 3 sealed submission(s) in 2 thread bundle(s)");
    const bundles = (await readdir(usb)).sort();
    expect(bundles.map((b) => b.slice(-12, -4)).sort()).toEqual([root.slice(0, 8), alone.slice(0, 8)].sort());

    const bundle = path.join(usb, bundles.find((b) => b.includes(root.slice(0, 8)))!);
    const out = path.join(work, "plain");
    const decrypted = await runTestigo(["decrypt", bundle, "--key", portal.demoSecretKeyPath!, "--out", out]);
    expect(decrypted.out).not.toContain("NETWORK-ATTEMPT");
    expect(decrypted.code, decrypted.out).toBe(0);
    expect((await readdir(out)).length).toBe(2);
    const rootDir = (await readdir(out)).find((d) => d.includes(root.slice(0, 8)) || d.includes(root))!;
    const replies = await readdir(path.join(out, rootDir, "replies"));
    expect(replies).toHaveLength(1);
    expect(await readFile(path.join(out, rootDir, "replies", replies[0]!), "utf8")).toContain(replyText);
    const followUpDir = (await readdir(out)).find((d) => d.includes(followUp.slice(0, 8)) || d.includes(followUp))!;
    expect(await readFile(path.join(out, followUpDir, "report.md"), "utf8")).toContain("a las 21:40");
  });

  it("--since a day after everything exports nothing", async () => {
    const later = path.join(work, "later");
    const exported = await runTestigo(["export", "--out", later, "--since", "2999-01-01"], { TESTIGO_DATA_DIR: portal.dataDir });
    expect(exported.code, exported.out).toBe(0);
    expect(await readdir(later)).toEqual([]);
  });
});
