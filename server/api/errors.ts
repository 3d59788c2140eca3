import type { Response } from "express";

export type ApiErrorCode =
  | "bad_request"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "unauthorized"
  | "forbidden"
  | "insufficient_storage"
  | "internal";

/** The one shape of every API error: `{ error: { code, message } }`, never a stack trace. */
export function sendError(res: Response, status: number, code: ApiErrorCode, message: string, extra?: Record<string, unknown>): void {
  res.status(status).json({ error: { code, message, ...extra } });
}
