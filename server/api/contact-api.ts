/**
 * The witness contact API, /api/v1 (docs/adr/0007-two-way-contact.md). JSON only, no cookies.
 *   POST /api/v1/submissions/:id/contact   register a codename's keys on a sealed first submission
 *   GET  /api/v1/contact/challenge         a single-use proof-of-work puzzle
 *   POST /api/v1/contact/open              {login, challenge, nonce}: the thread, or unknown_codename
 *   POST /api/v1/contact/follow-ups        {login, submission, challenge, nonce}: link a follow-up
 *
 * Every request that presents a login verifier spends a solved challenge first (429 otherwise,
 * and the login is never looked at), then waits out the time floor whatever it found. The unknown
 * answer is one constant response: wrong, malformed and deleted codenames cannot be told apart.
 */
import express, { type Request, type Response } from "express";
import { z } from "zod";
import { ContactRegistrationSchema, LinkFollowUpRequestSchema, OpenThreadRequestSchema, UNKNOWN_CODENAME } from "../../app/contact/format";
import { SubmissionIdSchema } from "../../app/envelope/format";
import type { ContactService } from "../contacts/contact-service";
import { startMark, waitForFloor } from "../contacts/floor";
import { sendError, type ApiErrorCode } from "./errors";
import { apiErrorHandler } from "./witness-api";

const IdParams = z.object({ id: SubmissionIdSchema });
/** Enough for the largest registration (two base64 keys); logins are far smaller. */
const REGISTRATION_LIMIT = "32kb";
const LOGIN_LIMIT = "4kb";

const CHALLENGE_FAILED = {
  code: "challenge_failed",
  message: "The proof of work is missing, expired, already used or wrong. Ask for a new challenge and solve it.",
} as const;

declare module "express-serve-static-core" {
  interface Locals {
    /** When a codename request began (monotonic), for the answer-time floor. */
    contactStart?: number;
  }
}

function sendJsonError(res: Response, status: number, body: { code: string; message: string }): void {
  res.status(status).json({ error: { code: body.code, message: body.message } });
}

/** Marks the request's start before the body is even read: the floor counts from here. */
const markStart: express.RequestHandler = (_req, res, next) => {
  res.locals.contactStart = startMark();
  next();
};

export function contactApi(deps: { contacts: ContactService; floorMs: number }): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const { contacts, floorMs } = deps;

  /**
   * The proof of work, before anything looks at the login. A body that does not parse spends the
   * challenge it carries, if any, so no request shape gets a second try at one puzzle.
   */
  function spendProof(body: unknown): boolean {
    const proof = z.object({ challenge: z.string().max(128), nonce: z.string().max(64) }).safeParse(body);
    return proof.success && contacts.challenges.spend(proof.data.challenge, proof.data.nonce);
  }

  async function afterFloor(res: Response): Promise<void> {
    await waitForFloor(res.locals.contactStart ?? startMark(), floorMs);
  }

  async function unknown(res: Response): Promise<void> {
    await afterFloor(res);
    sendJsonError(res, 404, UNKNOWN_CODENAME);
  }

  router.post("/submissions/:id/contact", express.json({ limit: REGISTRATION_LIMIT, type: () => true }), async (req, res, next) => {
    try {
      const params = IdParams.safeParse(req.params);
      if (!params.success) return sendError(res, 404, "not_found", "no such sealed first submission");
      const body = ContactRegistrationSchema.safeParse(req.body);
      if (!body.success) return sendError(res, 422, "unprocessable", `invalid registration: ${body.error.issues[0]?.message ?? "bad shape"}`);
      const result = await contacts.register(params.data.id, body.data);
      switch (result.kind) {
        case "created":
          return void res.status(201).json({ registered: true, thread: params.data.id });
        case "unchanged":
          return void res.status(200).json({ registered: true, thread: params.data.id });
        case "conflict":
          return sendError(res, 409, "conflict", "a different codename is already registered for this submission, or this codename is in use");
        case "not_found":
          return sendError(res, 404, "not_found", "no such sealed first submission (follow-ups and unsealed submissions take no codename)");
        case "invalid":
          return sendError(res, 422, "unprocessable", result.message);
      }
    } catch (error) {
      next(error);
    }
  });

  router.get("/contact/challenge", (_req, res) => {
    res.json(contacts.challenges.issue());
  });

  router.post("/contact/open", markStart, express.json({ limit: LOGIN_LIMIT, type: () => true }), async (req: Request, res: Response, next) => {
    try {
      if (!spendProof(req.body)) return sendJsonError(res, 429, CHALLENGE_FAILED);
      const body = OpenThreadRequestSchema.safeParse(req.body);
      if (!body.success) return sendJsonError(res, 429, CHALLENGE_FAILED);
      const view = contacts.open(body.data.login);
      if (!view) return await unknown(res);
      await afterFloor(res);
      res.status(200).json(view);
    } catch (error) {
      next(error);
    }
  });

  router.post("/contact/follow-ups", markStart, express.json({ limit: LOGIN_LIMIT, type: () => true }), async (req: Request, res: Response, next) => {
    try {
      if (!spendProof(req.body)) return sendJsonError(res, 429, CHALLENGE_FAILED);
      const body = LinkFollowUpRequestSchema.safeParse(req.body);
      if (!body.success) return sendJsonError(res, 429, CHALLENGE_FAILED);
      const result = await contacts.link(body.data.login, body.data.submission);
      if (result.kind === "unknown") return await unknown(res);
      await afterFloor(res);
      const conflict = (message: string, code: ApiErrorCode = "conflict") => sendError(res, 409, code, message);
      switch (result.kind) {
        case "linked":
          return void res.status(200).json({ linked: true });
        // 409, not 404: every 404 here means "unknown codename" to the witness's page.
        case "not_found":
          return conflict("no such submission yet: upload at least one part of the follow-up, then link it");
        case "conflict":
          return conflict(result.message);
      }
    } catch (error) {
      next(error);
    }
  });

  router.use(apiErrorHandler);
  return router;
}
