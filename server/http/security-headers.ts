/**
 * Security headers for both listeners. A fresh CSP nonce per response; no 'unsafe-inline' or
 * 'unsafe-eval' anywhere; nothing may load from another origin.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet from "helmet";

declare module "express-serve-static-core" {
  interface Locals {
    cspNonce: string;
  }
}

const DENIED_FEATURES = [
  "accelerometer=()", "autoplay=()", "camera=()", "display-capture=()", "encrypted-media=()",
  "fullscreen=()", "geolocation=()", "gyroscope=()", "magnetometer=()", "microphone=()",
  "midi=()", "payment=()", "picture-in-picture=()", "publickey-credentials-get=()",
  "sync-xhr=()", "usb=()", "xr-spatial-tracking=()",
];

/**
 * The witness pages may keep a phone's screen awake while a multi-GB upload runs (nothing is
 * stored by it); everything else is off everywhere.
 */
export function permissionsPolicy(listener: "witness" | "editor"): string {
  return [...DENIED_FEATURES, listener === "witness" ? "screen-wake-lock=(self)" : "screen-wake-lock=()"].join(", ");
}

// helmet hands directive functions the bare ServerResponse; this keeps the nonce typed.
const nonces = new WeakMap<ServerResponse, string>();

export function securityHeaders(listener: "witness" | "editor"): RequestHandler[] {
  const nonce: RequestHandler = (_req, res, next) => {
    const value = randomBytes(16).toString("base64");
    nonces.set(res, value);
    res.locals.cspNonce = value;
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'none'"],
        "script-src": ["'self'", (_req, res) => `'nonce-${nonces.get(res) ?? ""}'`],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        // No web workers and so no service workers: nothing may persist in a witness's browser.
        "worker-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        // The witness pages have no form at all (nothing may be posted as plaintext); the editor
        // interface posts only to itself.
        "form-action": listener === "witness" ? ["'none'"] : ["'self'"],
      },
    },
    // same-origin: no Referer leaves the site, yet same-origin POSTs keep their Origin header,
    // which the editor interface's CSRF check needs (plain no-referrer would send Origin: null).
    referrerPolicy: { policy: "same-origin" },
    crossOriginEmbedderPolicy: { policy: "require-corp" },
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    frameguard: { action: "deny" },
    // Served over .onion or a TLS proxy; HSTS belongs to the proxy that terminates TLS.
    strictTransportSecurity: false,
    xDnsPrefetchControl: { allow: false },
  });
  const extra: RequestHandler = (_req, res, next) => {
    res.setHeader("Permissions-Policy", permissionsPolicy(listener));
    // Nothing a witness (or an editor) sees may stay in a browser cache.
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Robots-Tag", "noindex, nofollow");
    next();
  };
  return [nonce, headers, extra];
}
