/**
 * The codename: words drawn uniformly from a word list, the only secret a witness keeps to come
 * back to a conversation. Isomorphic (browser and Node). See docs/adr/0006-codename-derivation.md.
 */

/** 7 words of a list of at least 7,776 give at least 90.5 bits (ADR 0006). */
export const CODENAME_WORDS = 7;

/** The EFF list size; anything smaller would quietly drop the codename below its stated entropy. */
const MIN_LIST_SIZE = 7776;

const UINT32_RANGE = 2 ** 32;

/** A uniform index below `n`: plain modulo would favour the low indices when n does not divide 2^32. */
function uniformIndex(n: number): number {
  const limit = UINT32_RANGE - (UINT32_RANGE % n);
  const draw = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(draw);
    const value = draw[0]!;
    if (value < limit) return value % n;
  }
}

export function generateCodename(words: readonly string[]): string {
  if (words.length < MIN_LIST_SIZE) {
    throw new RangeError(`generateCodename: the list has ${words.length} words, at least ${MIN_LIST_SIZE} are needed`);
  }
  if (words.length > UINT32_RANGE) throw new RangeError("generateCodename: the list is too long");
  const picked: string[] = [];
  for (let i = 0; i < CODENAME_WORDS; i++) picked.push(words[uniformIndex(words.length)]!);
  return picked.join(" ");
}

/**
 * The form every codename is derived from. A witness retyping it from memory or from paper on
 * another keyboard may drop accents (a phone without a Spanish layout), type ñ as n, capitalise,
 * or use odd spacing and punctuation: all of those must still open the conversation. The lists
 * are built so no two of their words collide under this mapping (scripts/build-wordlists.mjs).
 * Lower-casing comes first because it can itself produce combining marks (İ -> i + dot above).
 */
export function normalizeCodename(input: string): string {
  return input
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/\P{L}+/gu, " ")
    .trim();
}

export function codenameWords(input: string): string[] {
  const normalized = normalizeCodename(input);
  return normalized === "" ? [] : normalized.split(" ");
}

// Normalizing 8,192 words on every keystroke of the practice field would be wasted work.
const normalizedLists = new WeakMap<readonly string[], ReadonlySet<string>>();

function normalizedSet(words: readonly string[]): ReadonlySet<string> {
  let set = normalizedLists.get(words);
  if (!set) {
    set = new Set(words.map(normalizeCodename));
    normalizedLists.set(words, set);
  }
  return set;
}

/** Words of `input` that are on no line of the list: a typo hint, never a check of the codename. */
export function unknownWords(input: string, words: readonly string[]): string[] {
  const known = normalizedSet(words);
  return codenameWords(input).filter((word) => !known.has(word));
}

export function entropyBits(listSize: number, count: number = CODENAME_WORDS): number {
  return count * Math.log2(listSize);
}
