/**
 * The editor listener's Express pieces that sit before Remix: a guard for every non-GET request
 * (bounded body, same origin), and the two bundle downloads, streamed straight from the blob files
 * to the socket (Remix resource routes would copy them through a web stream for nothing).
 */
import express, { type Request, type RequestHandler, type Response } from "express";
import { SubmissionIdSchema } from "../../app/envelope/format";
import { bundleFileName } from "../export/bundle-name";
import { NotBundleable, bundleIndex, writeBundle } from "../export/bundle-writer";
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

/**
 * Every request that could change something: a Content-Length no larger than MAX_FORM_BYTES (so
 * Remix never buffers more), the same origin, and a POST to one of the known actions. Actions
 * check the CSRF token themselves; this is the layer no future route can forget.
 */
export function mutationGuard(portal: EditorPortal): RequestHandler {
  return (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") return next();
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

async function sendBundle(deps: { portal: EditorPortal; store: SubmissionStore }, req: Request, res: Response, session: EditorSession, ids: string[], fileName: string): Promise<void> {
  // Deleted since the inbox was read: say so before any header goes out.
  try {
    for (const id of ids) bundleIndex(deps.store, id);
  } catch (error) {
    if (error instanceof NotBundleable) return plain(res, 409, "A submission was deleted meanwhile. Go back to the inbox and try again.");
    throw error;
  }
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
    await writeBundle(deps.store, ids, res);
  } catch (error) {
    // Headers are gone; all that is left is to cut the connection, so the browser reports a
    // failed download instead of saving a truncated bundle as if it were whole.
    if (!isPrematureClose(error)) console.error(`testigo: a bundle download failed (${error instanceof Error ? error.name : "unknown"})`);
    res.destroy();
    return;
  }
  deps.portal.recordDownload(session, ids);
}

export function editorDownloads(deps: { portal: EditorPortal; store: SubmissionStore }): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });

  router.get("/editor/submissions/:id/bundle", (req, res, next) => {
    const session = authorize(deps.portal, req, res);
    if (!session) return;
    const id = SubmissionIdSchema.safeParse(req.params.id);
    const entry = id.success ? deps.portal.submission(id.data) : null;
    // Absent, unsealed and malformed ids look the same.
    if (!entry) return plain(res, 404, "No such submission.");
    sendBundle(deps, req, res, session, [entry.id], bundleFileName(entry.day, entry.id)).catch(next);
  });

  router.get("/editor/bundles/new", (req, res, next) => {
    const session = authorize(deps.portal, req, res);
    if (!session) return;
    const ids = deps.portal.newSubmissionIds();
    if (ids.length === 0) return plain(res, 404, "There are no new submissions to download.");
    sendBundle(deps, req, res, session, ids, `testigo-${utcDay()}-new.tar`).catch(next);
  });

  return router;
}
