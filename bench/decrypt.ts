/**
 * Offline decryption: `testigo decrypt` of one large submission (one file, default 2 MiB chunks)
 * as a child process, beside `gpg --decrypt` of the same chunks in the same run, and the CLI's
 * peak RSS. Figures only; nothing here passes or fails.
 *
 * The submission is built under Node with the envelope code the browser runs, one chunk at a time
 * straight to disk (tests/support/submission.ts keeps every part in memory, which a 1 GB build
 * cannot afford), with the manifest shape buildSubmission writes.
 *
 * gpg runs one process per chunk (`gpg --batch --override-session-key 9:HEX -d chunk-0-C`,
 * appending to one output file): that is the README's GnuPG recipe and what
 * scripts/gpg-decrypt-submission.sh does. gpg 2.2.40 will not take a file's chunks concatenated
 * into one input: it writes the first chunk, then stops with "WARNING: multiple plaintexts seen",
 * "decryption failed: Bad data" and exit 2 (checked by hand), so there is no one-process-per-file
 * variant to compare with.
 */
import { spawn } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readKey } from "openpgp";
import { encryptChunk, encryptHeader, encryptManifest, newSessionKey } from "../app/envelope/encrypt";
import { DEFAULT_CHUNK_SIZE, FORMAT_ID, chunkCount, partName, type FileDescription, type Manifest } from "../app/envelope/format";
import { toHex } from "../app/envelope/hex";
import { headerContentSha256 } from "../app/envelope/header-content";
import { paddedSize } from "../app/envelope/padding";
import { pgpConfig } from "../app/envelope/pgp-config";
import { generateV4Key } from "../app/keyring/generate";
import { makeGnupgHome } from "../tests/support/gpg";
import { ROOT } from "../tests/support/portal";
import { newSubmissionId } from "../tests/support/submission";
import { Cleanup, MB, fmt, mbps } from "./browser/support";

const CLI = path.join(ROOT, "bin/testigo.js");
const GNU_TIME = "/usr/bin/time";
/** A hang ends the bench instead of blocking it; a slow 1 GB run stays well inside. */
const TIMEOUT_MS = 30 * 60_000;

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

interface Built {
  id: string;
  dir: string;
  chunks: number;
  chunkKeyHex: string;
}

/** One file of `bytes` random bytes, as the browser would upload it, written part by part. */
async function buildOnDisk(work: string, bytes: number, recipientArmored: string): Promise<Built> {
  const recipients = [await readKey({ armoredKey: recipientArmored, config: pgpConfig })];
  const id = newSubmissionId();
  const dir = path.join(work, id);
  await mkdir(dir);
  const chunkSize = DEFAULT_CHUNK_SIZE;
  const sessionKey = newSessionKey();
  const padded = paddedSize(bytes);
  const chunks = chunkCount(padded, chunkSize);
  const description: FileDescription = {
    format: FORMAT_ID, submission: id, file: 0, name: "video.mp4", type: "video/mp4",
    size: bytes, paddedSize: padded, chunkSize, chunks, chunkKey: toHex(sessionKey),
  };
  const header = await encryptHeader({ description, sessionKey, recipients });
  await writeFile(path.join(dir, partName({ kind: "header", file: 0 })), header);
  const fileHash = createHash("sha256");
  const chunkHashes: string[] = [];
  const plaintext = new Uint8Array(chunkSize);
  for (let chunk = 0; chunk < chunks; chunk++) {
    const start = chunk * chunkSize;
    const length = Math.min(chunkSize, padded - start);
    const real = Math.max(0, Math.min(length, bytes - start));
    // Random (incompressible) file bytes, then the zero padding; one reused buffer.
    plaintext.fill(0);
    randomFillSync(plaintext, 0, real);
    fileHash.update(plaintext.subarray(0, real));
    const part = await encryptChunk({ submissionId: id, file: 0, chunk, plaintext: plaintext.subarray(0, length), sessionKey });
    chunkHashes.push(sha256(part));
    await writeFile(path.join(dir, partName({ kind: "chunk", file: 0, chunk })), part);
  }
  const manifest: Manifest = {
    format: FORMAT_ID, submission: id, language: "es",
    report: { what: "bench", where: "", when: "", who: "" },
    files: [{
      file: 0, name: description.name, type: description.type, size: bytes, paddedSize: padded, chunkSize, chunks,
      sha256: fileHash.digest("hex"),
      chunkKeySha256: sha256(sessionKey),
      parts: { header: await headerContentSha256(header), chunks: chunkHashes },
    }],
  };
  await writeFile(path.join(dir, "manifest"), await encryptManifest({ manifest, recipients }));
  return { id, dir, chunks, chunkKeyHex: toHex(sessionKey) };
}

interface ChildRun {
  code: number | null;
  ms: number;
  stderr: string;
  /** Peak resident set of the measured process, bytes (null when it could not be read). */
  peakRss: number | null;
}

/**
 * Runs `command args` and times it. The peak RSS comes from GNU time's -v report when
 * /usr/bin/time exists (exact: the kernel's maxrss at exit), else from polling VmHWM, which can
 * miss nothing (it is a high-water mark) but is unreadable once the process has exited, so the
 * last value read before exit is kept.
 */
function timedChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  const useTime = existsSync(GNU_TIME);
  const [file, argv] = useTime ? [GNU_TIME, ["-v", command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, argv, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let polled: number | null = null;
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const poll = useTime
      ? undefined
      : setInterval(() => {
          readFile(`/proc/${child.pid}/status`, "utf8").then(
            (s) => {
              const kb = /VmHWM:\s+(\d+) kB/.exec(s)?.[1];
              if (kb) polled = Number(kb) * 1024;
            },
            () => undefined,
          );
        }, 50);
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      reject(error);
    });
    child.once("close", (code) => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      resolve({ code, ms, stderr, peakRss: useTime ? (kb ? Number(kb) * 1024 : null) : polled });
    });
  });
}

/** One gpg per chunk, in order, each appending its plaintext to `outFile`. */
async function gpgDecryptChunks(built: Built, outFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  const out = await open(outFile, "a");
  try {
    const start = performance.now();
    for (let chunk = 0; chunk < built.chunks; chunk++) {
      const input = path.join(built.dir, partName({ kind: "chunk", file: 0, chunk }));
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn("gpg", ["--batch", "--no-tty", "--quiet", "--override-session-key", `9:${built.chunkKeyHex}`, "-d", input], {
          env,
          stdio: ["ignore", out.fd, "inherit"],
        });
        child.once("error", reject);
        child.once("close", resolve);
      });
      if (code !== 0) throw new Error(`gpg exited ${code} on chunk ${chunk}`);
    }
    return performance.now() - start;
  } finally {
    await out.close();
  }
}

export async function benchDecrypt(options: { bytes: number }): Promise<string[]> {
  const { bytes } = options;
  const cleanup = new Cleanup();
  try {
    const work = await mkdtemp(path.join(os.tmpdir(), "testigo-bench-decrypt-"));
    cleanup.add(() => rm(work, { recursive: true, force: true }));
    const key = await generateV4Key({ name: "bench editor", encryption: true });
    const keyFile = path.join(work, "editor-secret.asc");
    await writeFile(keyFile, key.armoredPrivate, { mode: 0o600 });
    const built = await buildOnDisk(work, bytes, key.armoredPublic);

    // A minimal environment, as the tests give their children: nothing of the caller's changes the result.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), NODE_ENV: "production", LC_ALL: "C" };
    const out = path.join(work, "out");
    const cli = await timedChild(process.execPath, [CLI, "decrypt", built.dir, "--key", keyFile, "--out", out], env);
    if (cli.code !== 0) throw new Error(`testigo decrypt exited ${cli.code}:\n${cli.stderr}`);
    const written = await stat(path.join(out, built.id, "01-video.mp4"));
    if (written.size !== bytes) throw new Error(`testigo decrypt wrote ${written.size} bytes, expected ${bytes}`);
    // Not both outputs on disk at once: a 1 GB run would need 3 GB of temp space.
    await rm(out, { recursive: true, force: true });

    const home = await makeGnupgHome();
    cleanup.add(() => home.remove());
    const gpgOut = path.join(work, "gpg-out");
    const gpgMs = await gpgDecryptChunks(built, gpgOut, { ...env, ...home.env });
    const gpgSize = (await stat(gpgOut)).size;
    if (gpgSize !== paddedSize(bytes)) throw new Error(`gpg wrote ${gpgSize} bytes, expected ${paddedSize(bytes)}`);

    const cliRate = mbps(bytes, cli.ms);
    const gpgRate = mbps(bytes, gpgMs);
    const label = `${fmt(bytes / MB, 0)} MB in ${built.chunks} chunks`;
    return [
      `decrypt: testigo decrypt (child process, node start included) on ${label}: ${fmt(cliRate)} MB/s (${fmt(cli.ms / 1000, 2)} s)`,
      `decrypt: gpg --override-session-key -d, one process per chunk, same chunks: ${fmt(gpgRate)} MB/s (${fmt(gpgMs / 1000, 2)} s)`,
      `decrypt: ratio to gpg ${fmt(cliRate / gpgRate, 2)} (goal >= 0.5)`,
      `decrypt: testigo decrypt peak RSS ${cli.peakRss === null ? "unknown" : `${fmt(cli.peakRss / MB, 0)} MB`} (goal < 200 MB; ${existsSync(GNU_TIME) ? "GNU time -v" : "VmHWM polled"})`,
    ];
  } finally {
    await cleanup.run();
  }
}
