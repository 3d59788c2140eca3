import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  isRouteErrorResponse,
  useRouteError,
  useRouteLoaderData,
  type ShouldRevalidateFunction,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { useNonce } from "~/components/nonce";
import { SiteHeader } from "~/components/SiteHeader";
import { langFromRequest, withLang } from "~/i18n/lang";
import { messagesFor } from "~/i18n/messages";
import { useLang, useMessages } from "~/i18n/use-lang";
import styles from "~/styles/app.css";
import icon from "~/styles/icon.svg";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  // Served from here: otherwise the browser asks for /favicon.ico and logs the 404.
  { rel: "icon", href: icon, type: "image/svg+xml" },
];

export function loader({ request, context }: LoaderFunctionArgs) {
  return {
    lang: langFromRequest(request),
    demo: context.demo === true,
    // The editor listener has its own shell; the witness header links to pages it does not serve.
    witness: context.listener === "witness",
    rootFingerprint: typeof context.rootFingerprint === "string" ? context.rootFingerprint : "",
  };
}

/**
 * Nothing here changes while a page is open, and the language is read from the URL: so switching
 * language or page costs no request, and cannot fail offline in the middle of an upload.
 */
export const shouldRevalidate: ShouldRevalidateFunction = () => false;

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  const lang = useLang();
  const data = useRouteLoaderData<typeof loader>("root");
  return (
    <html lang={lang} dir="ltr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="format-detection" content="telephone=no" />
        <title>{messagesFor(lang).siteName}</title>
        <Meta />
        <Links />
      </head>
      <body>
        {data?.witness === false ? null : <SiteHeader lang={lang} demo={data?.demo === true} />}
        {children}
        {/* No <ScrollRestoration>: it keeps scroll positions in the browser's session storage. */}
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const lang = useLang();
  const t = useMessages().errorPage;
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main className="page">
      <h1>{notFound ? t.notFoundTitle : t.title}</h1>
      <p>{notFound ? t.notFound : t.body}</p>
      <p>
        <Link className="button button--primary" to={withLang("/", lang)}>
          {t.home}
        </Link>
      </p>
    </main>
  );
}
