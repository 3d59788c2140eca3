/**
 * Server ingest: N concurrent clients each upload M bytes of chunk parts over loopback to a real
 * portal; printed beside a plain durable write of the same bytes on the same disk in the same run,
 * and the server's peak RSS. Figures only; nothing here passes or fails.
 */
import { readFile, rm, mkdir, open } from "node:fs/promises";
import path from "node:path";
import { encryptChunk, newSessionKey } from "../app/envelope/encrypt";
import { randomBytes } from "../app/envelope/hex";
import { DEFAULT_CHUNK_SIZE } from "../app/envelope/format";
import { newSubmissionId, putPart } from "../tests/support/submission";
import { makeDataDir, startPortal } from "../tests/support/portal";

const MiB = 1024 * 1024;

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? "0");
  return kb * 1024;
}

async function plainDurableWrite(dir: string, files: number, data: Uint8Array): Promise<number> {
  await mkdir(dir, { recursive: true });
  const start = performance.now();
  for (let i = 0; i < files; i++) {
    const handle = await open(path.join(dir, `f${i}`), "w");
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  }
  return (performance.now() - start) / 1000;
}

export async function benchServerIngest(options: { clients: number; bytesPerClient: number }): Promise<string[]> {
  const { clients, bytesPerClient } = options;
  const partsPerClient = Math.max(1, Math.round(bytesPerClient / DEFAULT_CHUNK_SIZE));
  const chunk = await encryptChunk({
    submissionId: newSubmissionId(),
    file: 0,
    chunk: 0,
    plaintext: randomBytes(DEFAULT_CHUNK_SIZE),
    sessionKey: newSessionKey(),
  });
  const total = clients * partsPerClient * chunk.length;

  const dataDir = await makeDataDir();
  const portal = await startPortal({ dataDir });
  const pid = portal.process.pid ?? 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const id = newSubmissionId();
      for (let c = 0; c < partsPerClient; c++) {
        const res = await putPart(portal.witnessUrl, id, `chunk-0-${c}`, chunk);
        if (res.status !== 201) throw new Error(`ingest: unexpected status ${res.status}`);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const rss = await peakRss(pid);
  await portal.stop();
  await rm(dataDir, { recursive: true, force: true });

  const plainDir = await makeDataDir();
  const plainSeconds = await plainDurableWrite(plainDir, clients * partsPerClient, chunk);
  await rm(plainDir, { recursive: true, force: true });

  const mbps = (bytes: number, s: number) => (bytes / MiB / s).toFixed(1);
  const ratio = (plainSeconds / seconds).toFixed(2);
  return [
    `server ingest: ${clients} clients x ${((partsPerClient * chunk.length) / MiB).toFixed(0)} MiB of ${(chunk.length / MiB).toFixed(2)} MiB parts`,
    `  portal over loopback:        ${mbps(total, seconds)} MiB/s (${seconds.toFixed(1)} s)`,
    `  plain durable disk write:    ${mbps(total, plainSeconds)} MiB/s (${plainSeconds.toFixed(1)} s; same bytes, one fsync per part)`,
    `  ratio portal/disk:           ${ratio}   (goal >= 0.5)`,
    `  server peak RSS:             ${(rss / MiB).toFixed(0)} MiB   (goal < 256 MiB)`,
  ];
}
