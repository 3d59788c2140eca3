import { Link, useLocation } from "@remix-run/react";
import { otherLang, withLang, type Lang } from "~/i18n/lang";
import { messagesFor } from "~/i18n/messages";

/**
 * A plain link (works without JavaScript, sets no cookie). With JavaScript it re-renders in
 * place without a request, so text already typed on the page is kept.
 */
export function LanguageSwitch({ lang }: { lang: Lang }) {
  const { pathname } = useLocation();
  const target = otherLang(lang);
  return (
    <Link
      className="lang-switch"
      to={withLang(pathname, target)}
      lang={target}
      hrefLang={target}
      replace
      preventScrollReset
      aria-label={`${messagesFor(lang).nav.language}: ${messagesFor(target).langName}`}
    >
      {messagesFor(target).langName}
    </Link>
  );
}
