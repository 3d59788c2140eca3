/**
 * Promise 6 for threads: with GnuPG 2.2 alone, an editor reads a whole thread bundle as
 * `testigo export` writes it: the first submission and a follow-up with
 * scripts/gpg-decrypt-submission.sh (which skips the thread's own files and reports the thread the
 * witness named inside the follow-up's encryption), and a reply with a plain `gpg -d`.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTestigo } from "../support/cli";
import { FAST_CONTACT_ENV, encryptTestReply, loggedInEditor, postReply, seedThread, sendFollowUp } from "../support/contact";
import { DECRYPT_SCRIPT, makeGnupgHome, runScript, type GnupgHome } from "../support/gpg";
import { startPortal, type Portal } from "../support/portal";
import { fetchRecipients } from "../support/submission";
import { untar } from "../security/editor-support";

let portal: Portal;
let work: string;
let gnupg: GnupgHome;
let root = "";
let followUp = "";
const replyText = "¿Tiene una foto del acta completa?";
const photo = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);

beforeAll(async () => {
  portal = await startPortal({ env: FAST_CONTACT_ENV });
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-gpg-thread-"));
  const { recipients } = await fetchRecipients(portal.witnessUrl);
  const seeded = await seedThread(portal.witnessUrl, recipients, { report: "primer informe" });
  root = seeded.thread;
  const editor = await loggedInEditor(portal);
  const reply = await encryptTestReply({ thread: root, witnessPublicKey: seeded.keys.publicKey, editorKeys: recipients, text: replyText });
  expect((await postReply(editor.client, root, reply, editor.csrf)).status).toBe(201);
  followUp = await sendFollowUp(portal.witnessUrl, recipients, seeded, { report: "la foto", files: [{ name: "acta.jpg", type: "image/jpeg", data: photo }] });
  gnupg = await makeGnupgHome();
  await gnupg.gpgOk(["--import", portal.demoSecretKeyPath!]);
});

afterAll(async () => {
  await portal?.stop();
  await gnupg?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("GnuPG alone reads an exported thread", () => {
  it("the script verifies both submissions (the follow-up names its thread) and gpg -d reads the reply", async () => {
    const usb = path.join(work, "usb");
    const exported = await runTestigo(["export", "--out", usb], { TESTIGO_DATA_DIR: portal.dataDir });
    expect(exported.code, exported.out).toBe(0);
    const [bundle] = await readdir(usb);
    const unpacked = path.join(work, "unpacked");
    for (const [name, bytes] of await untar(await readFile(path.join(usb, bundle!)))) {
      await mkdir(path.dirname(path.join(unpacked, name)), { recursive: true });
      await writeFile(path.join(unpacked, name), bytes);
    }
    expect((await readdir(unpacked)).sort()).toEqual([root, followUp].sort());

    const first = await runScript(DECRYPT_SCRIPT, [path.join(unpacked, root), path.join(work, "out-root")], { env: gnupg.env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const second = await runScript(DECRYPT_SCRIPT, [path.join(unpacked, followUp), path.join(work, "out-follow-up")], { env: gnupg.env });
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(await readFile(path.join(work, "out-follow-up", "report.txt"), "utf8")).toContain(`A follow-up in the thread of submission ${root}`);
    expect(Buffer.from(await readFile(path.join(work, "out-follow-up", "file-0"))).equals(Buffer.from(photo))).toBe(true);

    const [reply] = await readdir(path.join(unpacked, root, "replies"));
    const decrypted = await gnupg.gpgOk(["--batch", "--status-fd", "2", "--decrypt", path.join(unpacked, root, "replies", reply!)]);
    expect(JSON.parse(decrypted.stdout.toString("utf8"))).toEqual({ format: "testigo/1", kind: "reply", thread: root, text: replyText });
    expect(decrypted.stderr).toContain(`PLAINTEXT 62 0 testigo/1:${root}:reply`);
  });
});
