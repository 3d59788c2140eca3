/**
 * Guards every editor loader and action starts with, so an editor route can never run on the
 * witness listener (whatever the host's path filter does) nor act without its checks. Isomorphic
 * on purpose: it imports nothing from the server; the server's side arrives in the load context
 * (context.editor, typed in context.server.ts).
 */
import { redirect, type AppLoadContext } from "@remix-run/node";

export type EditorPortal = NonNullable<AppLoadContext["editor"]>;
export type EditorSession = NonNullable<ReturnType<EditorPortal["session"]>>;
type RequestFacts = Parameters<EditorPortal["session"]>[0];

function notFound(): Response {
  return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/** The portal, or a 404 thrown when this is not the editor listener. */
export function editorPortal(context: AppLoadContext): EditorPortal {
  if (context.listener !== "editor" || !context.editor) throw notFound();
  return context.editor;
}

export function requestFacts(request: Request): RequestFacts {
  const h = request.headers;
  return { host: h.get("host"), origin: h.get("origin"), secFetchSite: h.get("sec-fetch-site"), cookie: h.get("cookie") };
}

/** For pages: the signed-in editor, or a redirect to the login page. */
export function requireEditor(request: Request, context: AppLoadContext): { portal: EditorPortal; session: EditorSession } {
  const portal = editorPortal(context);
  const session = portal.session(requestFacts(request));
  if (!session) throw redirect("/editor/login", 303);
  return { portal, session };
}

/** For the layout: the signed-in editor if any, without redirecting. */
export function optionalEditor(request: Request, context: AppLoadContext): { portal: EditorPortal; session: EditorSession | null } {
  const portal = editorPortal(context);
  return { portal, session: portal.session(requestFacts(request)) };
}

function refuse(status: 400 | 401 | 403): Response {
  return new Response(null, { status });
}

/** The string fields of a posted form (a file field is a malformed form, not a value). */
export async function readForm(request: Request): Promise<Map<string, string>> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw refuse(400);
  }
  const fields = new Map<string, string>();
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string" || fields.has(key)) throw refuse(400);
    fields.set(key, value);
  }
  return fields;
}

/**
 * For actions: same origin (403), a live session (401), and the session's CSRF token in the form
 * (403), in that order; nothing is changed unless all three hold.
 */
export async function requireMutation(
  request: Request,
  context: AppLoadContext,
): Promise<{ portal: EditorPortal; session: EditorSession; form: Map<string, string> }> {
  const portal = editorPortal(context);
  const facts = requestFacts(request);
  if (!portal.sameOrigin(facts)) throw refuse(403);
  const session = portal.session(facts);
  if (!session) throw refuse(401);
  const form = await readForm(request);
  if (!portal.tokenMatches(session, form.get("csrf") ?? "")) throw refuse(403);
  return { portal, session, form };
}
