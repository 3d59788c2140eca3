/**
 * Login: name, password and the authenticator code, all three required. Every failure, whatever
 * its cause, is the same 303 to the same address, so neither the status, the body nor a cookie
 * tells an unknown name from a wrong password or a wrong code.
 */
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { editorPortal, readForm, requestFacts } from "~/editor/guards";
import { LoginFormSchema, fieldsOf } from "~/editor/forms";

interface LoginPageData {
  csrf: string;
  failed: boolean;
  signedOut: boolean;
}

export function loader({ request, context }: LoaderFunctionArgs) {
  const portal = editorPortal(context);
  const facts = requestFacts(request);
  if (portal.session(facts)) throw redirect("/editor", 303);
  const { csrf, setCookie } = portal.loginForm(facts);
  const params = new URL(request.url).searchParams;
  return data<LoginPageData>(
    { csrf, failed: params.has("failed"), signedOut: params.has("signed-out") },
    setCookie ? { headers: { "Set-Cookie": setCookie } } : undefined,
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const portal = editorPortal(context);
  const facts = requestFacts(request);
  const form = LoginFormSchema.safeParse(fieldsOf(await readForm(request)));
  if (!form.success) throw new Response(null, { status: 400 });
  const outcome = await portal.login(facts, form.data);
  if (outcome.kind === "forbidden") throw new Response(null, { status: 403 });
  if (outcome.kind === "failed") return redirect("/editor/login?failed", 303);
  const headers = new Headers();
  for (const cookie of outcome.setCookies) headers.append("Set-Cookie", cookie);
  return redirect("/editor", { status: 303, headers });
}

export default function EditorLogin() {
  // Typed by the data, not `typeof loader`: without the single-fetch type flag (declared for the
  // whole app or not at all), Remix's types would not unwrap data().
  const { csrf, failed, signedOut } = useLoaderData<LoginPageData>();
  return (
    <>
      <h1>Editor login</h1>
      {failed ? (
        <div className="notice notice--error" role="alert" data-testid="login-failed">
          <p className="notice__title">Login failed.</p>
          <p>Check your name, your password and the current code from your authenticator app. After several failures, wait a minute before trying again.</p>
        </div>
      ) : null}
      {signedOut ? (
        <p className="notice notice--good" role="status">
          You are logged out.
        </p>
      ) : null}
      <form method="post" action="/editor/login" className="login-form">
        <input type="hidden" name="csrf" value={csrf} />
        <div className="field">
          <label htmlFor="name">Name</label>
          <input id="name" name="name" type="text" autoComplete="username" autoCapitalize="none" spellCheck={false} maxLength={64} required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" maxLength={1024} required />
        </div>
        <div className="field">
          <label htmlFor="code">Code from your authenticator app</label>
          <input id="code" name="code" type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} required />
        </div>
        <button type="submit" className="button button--primary button--wide">
          Log in
        </button>
      </form>
    </>
  );
}
