/** Logout is a POST (with the CSRF checks): it deletes the session row and clears the browser's copy. */
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { requireEditor, requireMutation } from "~/editor/guards";
import { CsrfFormSchema, fieldsOf } from "~/editor/forms";

export function loader({ request, context }: LoaderFunctionArgs) {
  requireEditor(request, context);
  // A GET never logs anyone out (a link or an image elsewhere could trigger it).
  throw redirect("/editor", 303);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { portal, session, form } = await requireMutation(request, context);
  if (!CsrfFormSchema.safeParse(fieldsOf(form)).success) throw new Response(null, { status: 400 });
  const headers = new Headers();
  for (const cookie of portal.logout(session)) headers.append("Set-Cookie", cookie);
  // Pages of the session may sit in the browser's cache despite no-store; clear them and cookies.
  headers.set("Clear-Site-Data", '"cache", "cookies"');
  return redirect("/editor/login?signed-out", { status: 303, headers });
}
