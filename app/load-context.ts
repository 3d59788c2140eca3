import type {} from "@remix-run/server-runtime";
/**
 * What the Express host hands every Remix loader/action (getLoadContext). Type only: isomorphic.
 */
export interface TestigoLoadContext {
  /** Per-response CSP nonce; every <script> Remix renders must carry it. */
  cspNonce: string;
  /** Which listener answered: editor routes must 404 on the witness listener. */
  listener: "witness" | "editor";
  /** Demo mode: the keyring was generated locally on first start and is not trustworthy. */
  demo: boolean;
  /** Fingerprint of the root key that signed the keyring, shown to witnesses to compare. */
  rootFingerprint: string;
}

declare module "@remix-run/server-runtime" {
  // Declaration merging needs the interface form; the members come from TestigoLoadContext.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends TestigoLoadContext {}
}
