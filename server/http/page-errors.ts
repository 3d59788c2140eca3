import type { NextFunction, Request, Response } from "express";

/** Last resort for anything outside the API and Remix: a short page, never a stack trace. */
export function pageErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const status = typeof error === "object" && error !== null && "status" in error && typeof error.status === "number" && error.status >= 400 && error.status < 600 ? error.status : 500;
  if (status >= 500) console.error(`testigo: internal error serving a page (${error instanceof Error ? error.name : "unknown"})`);
  res
    .status(status)
    .type("text/plain; charset=utf-8")
    .send(status === 404 ? "Not found / No encontrado" : "Something went wrong. / Algo salió mal.");
}
