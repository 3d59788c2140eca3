/** Any other /editor address: a 404 in the editor frame (not the witness pages' error page). */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { editorPortal } from "~/editor/guards";

export function loader({ context }: LoaderFunctionArgs) {
  editorPortal(context);
  throw new Response(null, { status: 404 });
}

export default function EditorNotFound() {
  return null;
}
