/**
 * The editor's offline path end to end: a sealed submission on a real portal → `testigo export`
 * on the server host → `testigo decrypt` of the bundle with the demo key, with every network call
 * made fatal → files byte for byte, report, verification. Tampered and hostile bundles are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, readFile, readdir, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pack } from "tar-stream";
import { randomBytes } from "~/envelope/hex";
import { startPortal, type Portal } from "../support/portal";
import { buildSubmission, fetchRecipients, uploadAndSeal, putPart } from "../support/submission";
import { NO_NET, runTestigo } from "../support/cli";

const run = promisify(execFile);

let portal: Portal;
let work: string;
const video = randomBytes(700 * 1024);
const note = new TextEncoder().encode("mesa 3: acta alterada");

async function cli(args: string[], env: Record<string, string> = {}) {
  return runTestigo(args, { TESTIGO_DATA_DIR: portal.dataDir, ...env });
}

beforeAll(async () => {
  portal = await startPortal();
  work = await mkdtemp(path.join(os.tmpdir(), "testigo-export-"));
  const { recipients } = await fetchRecipients(portal.witnessUrl);
  const sub = await buildSubmission({
    recipients,
    files: [{ name: "video.mp4", type: "video/mp4", data: video }, { name: "nota.txt", type: "text/plain", data: note }],
    report: { what: "Quemaron las actas", when: "anoche" },
    chunkSize: 128 * 1024,
  });
  await uploadAndSeal(portal.witnessUrl, sub);
  // An unsealed submission must not be exported.
  const open = await buildSubmission({ recipients, files: [{ name: "x", type: "", data: note }] });
  await putPart(portal.witnessUrl, open.id, open.parts[0]!.name, open.parts[0]!.bytes);
});

afterAll(async () => {
  await portal?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("testigo export + decrypt", () => {
  it("exports sealed submissions only, and the bundle decrypts offline byte for byte", async () => {
    const exported = await cli(["export", "--out", path.join(work, "usb")]);
    expect(exported.out).toContain("exported 1 sealed submission(s)");
    const bundles = await readdir(path.join(work, "usb"));
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).toMatch(/^testigo-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.tar$/);

    const out = path.join(work, "plain");
    const decrypted = await cli(["decrypt", path.join(work, "usb", bundles[0]!), "--key", portal.demoSecretKeyPath!, "--out", out]);
    expect(decrypted.out).not.toContain("NETWORK-ATTEMPT");
    expect(decrypted.code).toBe(0);
    const [id] = await readdir(out);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const dir = path.join(out, id!);
    expect((await readdir(dir)).sort()).toEqual(["01-video.mp4", "02-nota.txt", "report.md", "verification.txt"]);
    expect(new Uint8Array(await readFile(path.join(dir, "01-video.mp4")))).toEqual(video);
    expect(new Uint8Array(await readFile(path.join(dir, "02-nota.txt")))).toEqual(note);
    expect(await readFile(path.join(dir, "report.md"), "utf8")).toContain("Quemaron las actas");
    expect(await readFile(path.join(dir, "verification.txt"), "utf8")).toContain("Overall: OK");

    // Running again into the same place refuses instead of overwriting.
    const again = await cli(["decrypt", path.join(work, "usb", bundles[0]!), "--key", portal.demoSecretKeyPath!, "--out", out]);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already exists/);
  });

  it("a bundle altered in transit is reported by part name and nothing is written as whole", async () => {
    const usb = path.join(work, "usb");
    const [name] = await readdir(usb);
    const bytes = await readFile(path.join(usb, name!));
    // Flip a byte well inside the data of the chunk-0-0 entry: its tar header holds the name
    // "<id>/chunk-0-0" NUL-padded (index.json names the part too, but without the id prefix).
    const marker = bytes.indexOf("/chunk-0-0\u0000");
    expect(marker).toBeGreaterThan(0);
    const headerStart = marker - 32;
    const at = headerStart + 512 + 200;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    const bad = path.join(work, "bad.tar");
    await writeFile(bad, bytes);
    const out = path.join(work, "plain-bad");
    const result = await cli(["decrypt", bad, "--key", portal.demoSecretKeyPath!, "--out", out]);
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/chunk-0-0: differs from the index/);
    const [id] = await readdir(out);
    const files = await readdir(path.join(out, id!));
    expect(files).not.toContain("01-video.mp4");
    expect(files).toContain("02-nota.txt");
    expect(await readFile(path.join(out, id!, "verification.txt"), "utf8")).toContain("PROBLEMS FOUND");
  });

  it("a hostile bundle that tries to write outside its folder is refused", async () => {
    const tar = pack();
    tar.entry({ name: "../../evil.sh", size: 4 }, "boom");
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const c of tar) {
      if (c instanceof Uint8Array) chunks.push(Buffer.from(c));
    }
    const hostile = path.join(work, "hostile.tar");
    await writeFile(hostile, Buffer.concat(chunks));
    const out = path.join(work, "plain-hostile");
    const result = await cli(["decrypt", hostile, "--key", portal.demoSecretKeyPath!, "--out", out]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/not a Testigo part; refusing the bundle/);
    await expect(readFile(path.join(work, "evil.sh"))).rejects.toThrow();
    await expect(readFile(path.join(out, "..", "..", "evil.sh"))).rejects.toThrow();
  });

  it("the network guard itself works (a CLI that did open a socket would be caught)", async () => {
    const { stderr } = await run(process.execPath, ["--import", NO_NET, "--input-type=module", "-e", "import net from \"node:net\"; net.connect(9, \"127.0.0.1\");"]).catch((e: unknown) => ({
      stderr: e instanceof Error && "stderr" in e ? String(e.stderr) : "",
    }));
    expect(stderr).toContain("NETWORK-ATTEMPT");
  });
});

describe("a bundle whose index is garbage", () => {
  it("is reported, not a crash", async () => {
    const usb = path.join(work, "usb");
    const [name] = await readdir(usb);
    const bytes = await readFile(path.join(usb, name!));
    const at = bytes.indexOf('"format"');
    expect(at).toBeGreaterThan(0);
    bytes.write("XX", at);
    const bad = path.join(work, "bad-index.tar");
    await writeFile(bad, bytes);
    const result = await cli(["decrypt", bad, "--key", portal.demoSecretKeyPath!, "--out", path.join(work, "plain-bad-index")]);
    expect(result.code).toBe(2);
    expect(result.out).toContain("index.json: not a valid index for this submission");
  });
});
