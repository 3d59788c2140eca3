import { Link, useRouteLoaderData } from "@remix-run/react";
import { Fingerprint } from "~/components/Fingerprint";
import { NoScriptNotice } from "~/components/NoScriptNotice";
import { normalizeFingerprint } from "~/i18n/format";
import { withLang } from "~/i18n/lang";
import { useLang, useMessages } from "~/i18n/use-lang";
import type { loader as rootLoader } from "~/root";

export default function Home() {
  const lang = useLang();
  const t = useMessages();
  const h = t.home;
  const fingerprint = normalizeFingerprint(useRouteLoaderData<typeof rootLoader>("root")?.rootFingerprint ?? "");
  return (
    <main className="page">
      <p className="tagline">{t.tagline}</p>
      <h1>{h.title}</h1>
      <p className="lead">{h.intro}</p>
      <p>
        <Link className="button button--primary button--wide" to={withLang("/submit", lang)}>
          {h.start}
        </Link>
      </p>
      <p>
        <Link className="button button--secondary button--wide" to={withLang("/contact", lang)} data-testid="have-codename">
          {t.nav.contact}
        </Link>
      </p>
      <NoScriptNotice lang={lang} />

      <section className="card card--good" aria-labelledby="protects">
        <h2 id="protects">{h.protectsTitle}</h2>
        <ul>
          {h.protects.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      </section>

      <section className="card card--warn" aria-labelledby="limits">
        <h2 id="limits">{h.limitsTitle}</h2>
        <ul>
          {h.limits.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="tor">
        <h2 id="tor">{h.torTitle}</h2>
        <ul>
          {h.tor.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="fingerprint">
        <h2 id="fingerprint">{h.fingerprintTitle}</h2>
        <p>{h.fingerprint}</p>
        {fingerprint.length === 40 ? <Fingerprint value={fingerprint} /> : <p className="notice notice--error">{h.fingerprintMissing}</p>}
      </section>

      <section className="card" aria-labelledby="after">
        <h2 id="after">{h.afterTitle}</h2>
        <p>{h.after}</p>
      </section>

      <p>
        <Link className="button button--primary button--wide" to={withLang("/submit", lang)}>
          {h.start}
        </Link>
      </p>
      <p>
        <Link className="button button--secondary button--wide" to={withLang("/contact", lang)} data-testid="have-codename">
          {t.nav.contact}
        </Link>
      </p>
    </main>
  );
}
