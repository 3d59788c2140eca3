/**
 * Promise 2, the browser half: what a witness's browser keeps for the portal's origin after a
 * submission. Runs inside the page (Playwright and puppeteer both serialise it), so it must not
 * refer to anything outside itself.
 */
export interface BrowserTraces {
  localStorage: number;
  sessionStorage: number;
  indexedDB: string[];
  serviceWorkers: number;
  caches: string[];
  documentCookie: string;
}

export const NO_TRACES: BrowserTraces = { localStorage: 0, sessionStorage: 0, indexedDB: [], serviceWorkers: 0, caches: [], documentCookie: "" };

export async function collectTraces(): Promise<BrowserTraces> {
  return {
    // Through window: the bare globals are banned project-wide, and here they are only read.
    localStorage: window.localStorage.length,
    sessionStorage: window.sessionStorage.length,
    indexedDB: (await window.indexedDB.databases()).map((db) => db.name ?? "(unnamed)"),
    serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
    caches: await window.caches.keys(),
    documentCookie: document.cookie,
  };
}
