import { createContext, useContext } from "react";

/**
 * The per-response CSP nonce, provided by entry.server from the load context. In the browser it
 * is "" (browsers hide nonces from the DOM once the page has loaded); only server rendering needs it.
 */
const NonceContext = createContext("");

export const NonceProvider = NonceContext.Provider;

export function useNonce(): string {
  return useContext(NonceContext);
}
