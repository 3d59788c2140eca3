/** Remix classic compiler (esbuild). See docs/adr/0001-stack.md. */
/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // openpgp and zod ship ESM; bundle them into the server build like everything else.
  serverDependenciesToBundle: [/^openpgp/, /^@noble\//],
  // The browser bundle must never need Node built-ins: envelope code is isomorphic by rule.
  browserNodeBuiltinsPolyfill: undefined,
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_singleFetch: true,
    v3_lazyRouteDiscovery: false,
  },
};
