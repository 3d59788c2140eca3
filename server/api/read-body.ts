import type { Request } from "express";

export type BodyResult =
  | { kind: "ok"; bytes: Uint8Array }
  | { kind: "too_large" }
  | { kind: "aborted" };

/**
 * Reads a request body into memory up to `limit` bytes. Parts are small (a chunk is a few MiB),
 * and the shape check needs the whole part anyway. Refuses early on a declared Content-Length
 * over the limit, and stops reading as soon as the limit is passed.
 */
export function readBody(req: Request, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ kind: "too_large" });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > limit) {
        chunks.length = 0;
        req.resume();
        finish({ kind: "too_large" });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks, total);
      // A view, not `new Uint8Array(body)`, which would copy every part once more.
      finish({ kind: "ok", bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) });
    });
    req.on("aborted", () => finish({ kind: "aborted" }));
    req.on("error", () => finish({ kind: "aborted" }));
    req.on("close", () => finish({ kind: "aborted" }));
  });
}
