import { Link } from "@remix-run/react";
import { withLang, type Lang } from "~/i18n/lang";
import { messagesFor } from "~/i18n/messages";
import { LanguageSwitch } from "./LanguageSwitch";

export function SiteHeader({ lang, demo }: { lang: Lang; demo: boolean }) {
  const t = messagesFor(lang);
  return (
    <header className="site-header">
      <div className="site-header__bar">
        <Link className="site-name" to={withLang("/", lang)}>
          {t.siteName}
        </Link>
        <LanguageSwitch lang={lang} />
      </div>
      {demo ? (
        <p className="demo-banner" role="alert">
          {t.demoBanner}
        </p>
      ) : null}
    </header>
  );
}
