#!/usr/bin/env node
// The `testigo` program (npx testigo ...). Runs the TypeScript sources through tsx so the CLI,
// the server and the browser share one envelope implementation without a second build.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
