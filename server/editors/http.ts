/**
 * The editor listener's Express pieces that sit before Remix: a guard for every non-GET request
 * (bounded body, same origin), the two bundle downloads, streamed straight from the blob files
 * to the socket (Remix resource routes would copy them through a web stream for nothing), and the
 * reply upload (binary ciphertext, which a Remix form action would not take).
 */
import express, { type Request, type RequestHandler, type Response } from "express";
import { MAX_REPLY_BYTES } from "../../app/contact/format";
import { SubmissionIdSchema } from "../../app/envelope/format";
import { readBody } from "../api/read-body";
import { sendError, type ApiErrorCode } from "../api/errors";
import type { ThreadStore } from "../contacts/thread-store";
import { bundleFileName } from "../export/bundle-name";
import { NotBundleable, bundleIndex, submissionEntries, writeEntries, type BundleEntry } from "../export/bundle-writer";
import { planThreadBundle } from "../export/thread-bundle";
import { utcDay } from "../storage/day";
import type { SubmissionStore } from "../storage/submission-store";
import type { EditorPortal, EditorSession, RequestFacts } from "./portal";

/** Editor forms are a few short fields; nothing bigger is ever parsed. */
export const MAX_FORM_BYTES = 16 * 1024;

function header(req: Request, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

export function factsOf(req: Request): RequestFacts {
  return { host: header(req, "host"), origin: header(req, "origin"), secFetchSite: header(req, "sec-fetch-site"), cookie: header(req, "cookie") };
}

function plain(res: Response, status: number, text: string): void {
  res.status(status).type("text/plain; charset=utf-8").send(`${text}\n`);
}

/** The only addresses that take a POST (Remix's own answer to others names its routes). */
const ACTIONS = /^\/editor\/(?:login|logout|submissions\/[0-9a-f]{32}\/delete)$/;

/** The reply upload: binary, larger than a form, and answering JSON; it makes every check itself. */
const REPLY_PATH = /^\/editor\/submissions\/([0-9a-f]{32})\/replies$/;

/**
 * Every request that could change something: a Content-Length no larger than MAX_FORM_BYTES (so
 * Remix never buffers more), the same origin, and a POST to one of the known actions. Actions
 * check the CSRF token themselves; this is the layer no future route can forget. The one
 * exception is the reply upload (a POST to REPLY_PATH), which never reaches Remix: its handler
 * (editorReplies) applies the same origin, session and token checks with its own size limit.
 */
export function mutationGuard(portal: EditorPortal): RequestHandler {
  return (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") return next();
    if (req.method === "POST" && REPLY_PATH.test(req.path)) return next();
    const length = header(req, "content-length");
    if (req.headers["transfer-encoding"] !== undefined || length === null) return plain(res, 411, "A form must be sent with a Content-Length.");
    if (!/^\d{1,9}$/.test(length) || Number(length) > MAX_FORM_BYTES) return plain(res, 413, "This form is too large.");
    if (!portal.sameOrigin(factsOf(req))) {
      return plain(res, 403, "Refused: this request did not come from a page of the editor interface. Reload the page and try again.");
    }
    if (req.method !== "POST" || !ACTIONS.test(req.path)) {
      res.setHeader("Allow", "GET, HEAD");
      return plain(res, 405, "Method not allowed.");
    }
    next();
  };
}

/** The session behind a download, or an answer already sent (401, or 403 for a cross-site fetch). */
function authorize(portal: EditorPortal, req: Request, res: Response): EditorSession | null {
  const site = header(req, "sec-fetch-site");
  // Downloads change state (new → downloaded); a page elsewhere must not start one, even blind.
  if (site !== null && site !== "same-origin" && site !== "none") {
    plain(res, 403, "Refused: downloads start from the editor interface only.");
    return null;
  }
  const session = portal.session(factsOf(req));
  if (!session) plain(res, 401, "Log in first: /editor/login");
  return session;
}

function isPrematureClose(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ERR_STREAM_PREMATURE_CLOSE" || error.code === "ECONNRESET" || error.code === "EPIPE");
}

interface BundlePlan {
  submissionIds: string[];
  entries: BundleEntry[];
}

/** The plan, or null when a submission was deleted since the inbox was read. */
function planOrNull(plan: () => BundlePlan): BundlePlan | null {
  try {
    return plan();
  } catch (error) {
    if (error instanceof NotBundleable) return null;
    throw error;
  }
}

async function sendBundle(
  deps: { portal: EditorPortal },
  req: Request,
  res: Response,
  session: EditorSession,
  plan: BundlePlan | null,
  fileName: string,
): Promise<void> {
  // Deleted since the inbox was read: say so before any header goes out.
  if (!plan) return plain(res, 409, "A submission was deleted meanwhile. Go back to the inbox and try again.");
  res.status(200);
  res.setHeader("Content-Type", "application/octet-stream");
  // Our own name from the day and id: nothing a witness chose reaches the editor's file system here.
  res.setHeader("Content-Disposition", `attachment; filename="${fileName}"`);
  res.setHeader("X-Content-Type-Options", "nosniff");
  // Should a browser render it anyway: no scripts, no same-origin access, no forms.
  res.setHeader("Content-Security-Policy", "sandbox");
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  try {
    await writeEntries(plan.entries, res);
  } catch (error) {
    // Headers are gone; all that is left is to cut the connection, so the browser reports a
    // failed download instead of saving a truncated bundle as if it were whole.
    if (!isPrematureClose(error)) console.error(`testigo: a bundle download failed (${error instanceof Error ? error.name : "unknown"})`);
    res.destroy();
    return;
  }
  // A thread bundle marks every submission it carried: root and follow-ups alike.
  deps.portal.recordDownload(session, plan.submissionIds);
}

export function editorDownloads(deps: { portal: EditorPortal; store: SubmissionStore; threads: ThreadStore }): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });

  router.get("/editor/submissions/:id/bundle", (req, res, next) => {
    const session = authorize(deps.portal, req, res);
    if (!session) return;
    const id = SubmissionIdSchema.safeParse(req.params.id);
    const entry = id.success ? deps.portal.submission(id.data) : null;
    // Absent, unsealed, follow-up and malformed ids look the same: only a thread root has a bundle.
    if (!entry) return plain(res, 404, "No such submission.");
    const plan = planOrNull(() => planThreadBundle(deps.store, deps.threads, entry.id));
    sendBundle(deps, req, res, session, plan, bundleFileName(entry.day, entry.id)).catch(next);
  });

  router.get("/editor/bundles/new", (req, res, next) => {
    const session = authorize(deps.portal, req, res);
    if (!session) return;
    const ids = deps.portal.newSubmissionIds();
    if (ids.length === 0) return plain(res, 404, "There are no new submissions to download.");
    // Follow-ups come as their own <id>/ whose index.json names the thread.
    const plan = planOrNull(() => ({ submissionIds: ids, entries: ids.flatMap((i) => submissionEntries(deps.store, bundleIndex(deps.store, i))) }));
    sendBundle(deps, req, res, session, plan, `testigo-${utcDay()}-new.tar`).catch(next);
  });

  return router;
}

/**
 * POST /editor/submissions/:id/replies: one encrypted reply, raw OpenPGP bytes
 * (application/octet-stream), with the session's CSRF token in X-CSRF-Token. Checks in order:
 * same origin (403), a live session (401), the token (403), the media type (415), the size (413);
 * then the portal checks the thread and the ciphertext's recipients. Answers JSON.
 */
export function editorReplies(deps: { portal: EditorPortal }): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });

  router.post("/editor/submissions/:id/replies", async (req, res, next) => {
    const refuse = (status: number, code: ApiErrorCode, message: string) => {
      // Nothing of the body is wanted: drain it, and close the connection rather than read megabytes.
      req.resume();
      if (status === 413) res.setHeader("Connection", "close");
      sendError(res, status, code, message);
    };
    try {
      const facts = factsOf(req);
      if (!deps.portal.sameOrigin(facts)) return refuse(403, "forbidden", "this request did not come from a page of the editor interface");
      const session = deps.portal.session(facts);
      if (!session) return refuse(401, "unauthorized", "log in first: /editor/login");
      if (!deps.portal.tokenMatches(session, header(req, "x-csrf-token") ?? "")) return refuse(403, "forbidden", "missing or wrong X-CSRF-Token; reload the page");
      const id = SubmissionIdSchema.safeParse(req.params.id);
      if (!id.success) return refuse(404, "not_found", "no such thread");
      if (!req.is("application/octet-stream")) return refuse(415, "unsupported_media_type", "send the encrypted reply with Content-Type: application/octet-stream");
      const body = await readBody(req, MAX_REPLY_BYTES);
      if (body.kind === "aborted") return;
      if (body.kind === "too_large") return refuse(413, "payload_too_large", `a reply may be at most ${MAX_REPLY_BYTES} bytes`);
      const result = await deps.portal.addReply(session, id.data, body.bytes);
      switch (result.kind) {
        case "stored":
          return void res.status(201).json({ reply: { id: result.id, day: result.day } });
        case "unchanged":
          return void res.status(200).json({ reply: { id: result.id, day: result.day } });
        case "not_found":
          return sendError(res, 404, "not_found", "no such thread (a thread is a sealed first submission)");
        case "no_contact":
          return sendError(res, 404, "not_found", "the witness chose no codename for this thread, so no reply can reach them");
        case "too_large":
          return sendError(res, 413, "payload_too_large", `a reply may be at most ${MAX_REPLY_BYTES} bytes`);
        case "invalid":
          return sendError(res, 422, "unprocessable", result.message);
      }
    } catch (error) {
      next(error);
    }
  });

  return router;
}
