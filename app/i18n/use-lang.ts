import { useRouteLoaderData, useSearchParams } from "@remix-run/react";
import type { loader as rootLoader } from "~/root";
import { DEFAULT_LANG, parseLang, type Lang } from "./lang";
import { messagesFor, type Catalogue } from "./messages";

/**
 * The page's language: `?lang=` when present, else what the server negotiated. Read from the URL
 * on the client too, so switching language needs no request (the root never revalidates).
 */
export function useLang(): Lang {
  const [params] = useSearchParams();
  const data = useRouteLoaderData<typeof rootLoader>("root");
  return parseLang(params.get("lang")) ?? data?.lang ?? DEFAULT_LANG;
}

export function useMessages(): Catalogue {
  return messagesFor(useLang());
}
