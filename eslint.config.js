import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "public/build/", ".cache/", "data/", "bench/out/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-assertions": ["error", { assertionStyle: "never" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use crypto.getRandomValues / node:crypto." },
      ],
      "no-restricted-globals": [
        "error",
        { name: "localStorage", message: "Witness pages must leave no trace in the browser." },
        { name: "sessionStorage", message: "Witness pages must leave no trace in the browser." },
        { name: "indexedDB", message: "Witness pages must leave no trace in the browser." },
      ],
    },
  },
  {
    // Browser-reachable code (routes, components, *.client.ts, isomorphic envelope) must not import
    // server-only modules: the classic compiler would not fail, it would ship them to the browser.
    files: ["app/**/*.{ts,tsx}"],
    ignores: ["app/**/*.server.{ts,tsx}", "app/entry.server.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/*.server", "**/*.server.*", "**/server/**", "../server/*", "node:*"], message: "Server-only module imported from browser-reachable code." },
          ],
          paths: ["fs", "path", "crypto", "better-sqlite3", "express"].map((name) => ({
            name,
            message: "Node/server module imported from browser-reachable code.",
          })),
        },
      ],
    },
  },
);
