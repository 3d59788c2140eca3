/**
 * Durable file writes: temp file in the same file system, fsync, rename, fsync the directory.
 * After `writeDurably` returns, the file survives a crash with exactly these bytes.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import path from "node:path";

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p that also makes each new directory entry durable in its parent. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  let current = dir;
  while (current.length >= first.length) {
    await fsyncDir(path.dirname(current));
    current = path.dirname(current);
  }
}

/** Writes bytes to a fresh temp file in tmpDir and fsyncs it. The caller renames or removes it. */
export async function writeTemp(tmpDir: string, data: Uint8Array, mtime?: Date): Promise<string> {
  const tempPath = path.join(tmpDir, `${randomBytes(16).toString("hex")}.part`);
  const handle = await open(tempPath, "wx", 0o600);
  try {
    await handle.writeFile(data);
    // The file's own timestamps would record the exact upload time; keep the day only.
    if (mtime) await handle.utimes(mtime, mtime);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return tempPath;
}

/** Moves a synced temp file into place and makes the new directory entry durable. */
export async function commitTemp(tempPath: string, finalPath: string): Promise<void> {
  await rename(tempPath, finalPath);
  await fsyncDir(path.dirname(finalPath));
}

export async function writeDurably(tmpDir: string, finalPath: string, data: Uint8Array): Promise<void> {
  const temp = await writeTemp(tmpDir, data);
  try {
    await commitTemp(temp, finalPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
