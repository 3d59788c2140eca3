/**
 * Layout of every /editor page: the editor frame and an error page that never shows a stack
 * trace (the host runs Remix in production mode, which strips error details, and this boundary
 * shows only a status-specific sentence).
 */
import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, isRouteErrorResponse, useLoaderData, useRouteError, useRouteLoaderData } from "@remix-run/react";
import { optionalEditor } from "~/editor/guards";
import { EditorShell } from "~/editor/EditorShell";
import editorStyles from "~/editor/editor.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: editorStyles }];

export function loader({ request, context }: LoaderFunctionArgs) {
  const { portal, session } = optionalEditor(request, context);
  return { demo: portal.demo, editor: session ? { name: session.name, csrf: session.csrfToken } : null };
}

export default function EditorLayout() {
  const data = useLoaderData<typeof loader>();
  return (
    <EditorShell demo={data.demo} editor={data.editor}>
      <Outlet />
    </EditorShell>
  );
}

const MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: "That form could not be read", body: "Go back, reload the page and try again." },
  401: { title: "You are not logged in", body: "Your session has ended or you have not logged in yet." },
  403: {
    title: "Refused",
    body: "This request did not come from a page of the editor interface, or the page was too old. Go back, reload the page and try again.",
  },
  404: { title: "Not found", body: "There is nothing at this address. A submission may have been deleted." },
  405: { title: "Not allowed", body: "This address does not accept that kind of request." },
};

export function ErrorBoundary() {
  const error = useRouteError();
  const layout = useRouteLoaderData<typeof loader>("routes/editor");
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = MESSAGES[status] ?? { title: "Something went wrong", body: "Go back to the inbox and try again." };
  return (
    <EditorShell demo={layout?.demo === true} editor={layout?.editor ?? null}>
      <h1>{message.title}</h1>
      <p>{message.body}</p>
      <p>
        <a className="button button--primary" href={status === 401 ? "/editor/login" : "/editor"}>
          {status === 401 ? "Log in" : "Back to the inbox"}
        </a>
      </p>
    </EditorShell>
  );
}
