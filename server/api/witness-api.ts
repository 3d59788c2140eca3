/**
 * The witness HTTP API, /api/v1. Thin: parse with zod, call the service, map the result.
 *   GET  /api/v1/keyring                         signed keyring bundle
 *   PUT  /api/v1/submissions/:id/parts/:part     one part, raw OpenPGP bytes (application/octet-stream)
 *   GET  /api/v1/submissions/:id                 what is stored (the resume point)
 *   POST /api/v1/submissions/:id/seal            {"format":1,"files":[{"chunks":N},...]}
 * Two-way contact (codename, thread, follow-ups) is in ./contact-api.ts, mounted before this.
 */
import express, { type Request, type Response, type NextFunction } from "express";
import { z } from "zod";
import { SealRequestSchema, SubmissionIdSchema, parsePartName } from "../../app/envelope/format";
import type { KeyringStore } from "../keyring/keyring-store";
import type { SubmissionService } from "../submissions/service";
import { sendError } from "./errors";
import { readBody } from "./read-body";

const PartParams = z.object({ id: SubmissionIdSchema, part: z.string().max(64) });
const IdParams = z.object({ id: SubmissionIdSchema });

export function witnessApi(deps: {
  service: SubmissionService;
  keyrings: KeyringStore;
  limits: { partBytes: number; manifestBytes: number };
}): express.Router {
  const router = express.Router();
  const { service, keyrings, limits } = deps;

  router.get("/keyring", (_req, res) => {
    res.json(keyrings.bundle);
  });

  router.put("/submissions/:id/parts/:part", async (req, res, next) => {
    try {
      const params = PartParams.safeParse(req.params);
      if (!params.success) return sendError(res, 404, "not_found", "no such submission part (id must be 32 lowercase hex characters)");
      const part = parsePartName(params.data.part);
      if (!part) return sendError(res, 404, "not_found", "unknown part name; expected header-F, chunk-F-C or manifest");
      if (!req.is("application/octet-stream")) {
        req.resume();
        return sendError(res, 415, "unsupported_media_type", "send the raw OpenPGP bytes with Content-Type: application/octet-stream");
      }
      const limit = part.kind === "manifest" ? limits.manifestBytes : limits.partBytes;
      const body = await readBody(req, limit);
      if (body.kind === "aborted") return;
      if (body.kind === "too_large") {
        res.setHeader("Connection", "close");
        return sendError(res, 413, "payload_too_large", `a ${part.kind} part may be at most ${limit} bytes`);
      }
      const result = await service.acceptPart(params.data.id, part, body.bytes);
      switch (result.kind) {
        case "stored":
          return void res.status(201).json(result.part);
        case "unchanged":
          return void res.status(200).json(result.part);
        case "conflict":
          return sendError(res, 409, "conflict", result.message);
        case "too_large":
          return sendError(res, 413, "payload_too_large", result.message);
        case "invalid":
          return sendError(res, 422, "unprocessable", result.message);
        case "no_space":
          return sendError(res, 507, "insufficient_storage", result.message);
      }
    } catch (error) {
      next(error);
    }
  });

  router.get("/submissions/:id", (req, res) => {
    const params = IdParams.safeParse(req.params);
    if (!params.success) return sendError(res, 404, "not_found", "no such submission");
    const status = service.status(params.data.id);
    if (!status) return sendError(res, 404, "not_found", "no such submission");
    res.json(status);
  });

  router.post("/submissions/:id/seal", express.json({ limit: "64kb", type: () => true }), async (req, res, next) => {
    try {
      const params = IdParams.safeParse(req.params);
      if (!params.success) return sendError(res, 404, "not_found", "no such submission");
      const body = SealRequestSchema.safeParse(req.body);
      if (!body.success) return sendError(res, 422, "unprocessable", `invalid seal request: ${body.error.issues[0]?.message ?? "bad shape"}`);
      const result = await deps.service.seal(params.data.id, body.data);
      switch (result.kind) {
        case "not_found":
          return sendError(res, 404, "not_found", "no such submission");
        case "conflict":
          return sendError(res, 409, "conflict", result.message);
        case "sealed":
          return void res.status(200).json({ sealed: true, day: result.day });
      }
    } catch (error) {
      next(error);
    }
  });

  router.use((_req, res) => sendError(res, 404, "not_found", "no such API endpoint"));
  router.use(apiErrorHandler);
  return router;
}

/** Body-parser errors carry a status (400/413/415); anything else is a 500 without details. */
export function apiErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const status = typeof error === "object" && error !== null && "status" in error && typeof error.status === "number" ? error.status : 500;
  if (status === 413) return sendError(res, 413, "payload_too_large", "the request body is too large");
  if (status >= 400 && status < 500) return sendError(res, 400, "bad_request", "the request could not be read (malformed body)");
  // Never the request, never the body: only that something failed and what kind of error it was.
  console.error(`testigo: internal error in the witness API (${error instanceof Error ? error.name : "unknown"})`);
  sendError(res, 500, "internal", "internal error; please try again");
}
