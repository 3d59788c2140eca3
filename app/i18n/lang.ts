/**
 * Which language a page speaks. No cookie and nothing stored: the choice travels in `?lang=` on
 * every internal link, and without it the browser's Accept-Language decides.
 */
export const LANGS = ["es", "en"] as const;
export type Lang = (typeof LANGS)[number];

export const DEFAULT_LANG: Lang = "en";

export function parseLang(value: string | null | undefined): Lang | null {
  if (value === "es" || value === "en") return value;
  return null;
}

export function otherLang(lang: Lang): Lang {
  return lang === "es" ? "en" : "es";
}

/**
 * Spanish when the browser ranks Spanish above English (or asks for Spanish and not English),
 * English otherwise. Tags other than es/en are ignored; ties keep header order.
 */
export function negotiateLang(acceptLanguage: string | null | undefined): Lang {
  if (!acceptLanguage) return DEFAULT_LANG;
  let best: { lang: Lang; q: number } | null = null;
  for (const item of acceptLanguage.split(",")) {
    const [tag = "", ...params] = item.trim().split(";");
    const primary = parseLang(tag.trim().toLowerCase().split("-")[0]);
    if (!primary) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split("=");
      if (key === "q" && value !== undefined) {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    if (q <= 0) continue;
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? DEFAULT_LANG;
}

export function langFromRequest(request: Request): Lang {
  const fromUrl = parseLang(new URL(request.url).searchParams.get("lang"));
  return fromUrl ?? negotiateLang(request.headers.get("Accept-Language"));
}

/** An internal path with the language kept, so the choice survives navigation without a cookie. */
export function withLang(path: string, lang: Lang): string {
  const [pathname = "/", query = ""] = path.split("?");
  const params = new URLSearchParams(query);
  params.set("lang", lang);
  return `${pathname}?${params.toString()}`;
}
