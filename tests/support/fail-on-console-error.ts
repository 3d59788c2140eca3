import { afterEach, beforeEach, vi } from "vitest";

// As in the Epic Stack: a console.error during a test is a bug (React warnings, swallowed errors).
beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    throw new Error(`console.error was called during a test: ${args.map(String).join(" ")}`);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
