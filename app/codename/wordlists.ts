/**
 * The codename word lists, loaded on demand: each is tens of kilobytes and only the witnesses who
 * ask for a codename (in one language) need one, so each list is its own chunk.
 */
export type WordlistLang = "es" | "en";

export const WORDLIST_SIZE: Record<WordlistLang, number> = { es: 8192, en: 7776 };

export async function loadWordlist(lang: WordlistLang): Promise<readonly string[]> {
  const { WORDS } = lang === "es" ? await import("./wordlist-es") : await import("./wordlist-en");
  // A truncated or stale chunk must not silently shrink the codename's entropy.
  if (WORDS.length !== WORDLIST_SIZE[lang]) {
    throw new Error(`word list "${lang}" has ${WORDS.length} words, expected ${WORDLIST_SIZE[lang]}`);
  }
  return WORDS;
}
