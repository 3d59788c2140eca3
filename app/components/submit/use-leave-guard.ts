import { useBlocker } from "@remix-run/react";
import { useEffect } from "react";

/**
 * While an upload runs, leaving the page would stop it: ask first, both for links inside the
 * site (switching language stays on the page and is allowed) and for closing or reloading.
 */
export function useLeaveGuard(active: boolean, question: string): void {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => active && currentLocation.pathname !== nextLocation.pathname);

  useEffect(() => {
    if (blocker.state !== "blocked") return;
    if (window.confirm(question)) blocker.proceed();
    else blocker.reset();
  }, [blocker, question]);

  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [active]);
}
