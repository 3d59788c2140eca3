import { otherLang, type Lang } from "~/i18n/lang";
import { messagesFor } from "~/i18n/messages";

/**
 * Without JavaScript nothing can be encrypted, so nothing can be sent: say so in both languages
 * (the chosen one first), since a witness may have landed on the other.
 */
export function NoScriptNotice({ lang }: { lang: Lang }) {
  return (
    <noscript>
      <div className="notice notice--warning noscript">
        {[lang, otherLang(lang)].map((l) => {
          const t = messagesFor(l).noscript;
          return (
            <div key={l} lang={l}>
              <p className="notice__title">{t.title}</p>
              <p>{t.body}</p>
              <p>{t.tor}</p>
            </div>
          );
        })}
      </div>
    </noscript>
  );
}
