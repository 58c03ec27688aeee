// CORS for browser callers (the SDK in a web page): REST and Connect/gRPC-Web
// routes answer preflights and expose the headers clients read, for the
// origins configured in CORS_ORIGINS only. Connect's own `cors` constants
// list what its protocols need; ours are added beside them.
//
// Credentials mode is off (no Access-Control-Allow-Credentials): callers
// authenticate with an Authorization header, not cookies, so a page can only
// use a key it already holds.
import { cors as connectCors } from "@connectrpc/connect";

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`), or `*` for any. Empty = CORS off. */
  readonly origins: readonly string[];
  /** Seconds a browser may cache a preflight. */
  readonly maxAgeSeconds?: number;
}

const allowedMethods = ["GET", "POST", "PATCH", "DELETE"];
const allowedHeaders = [...connectCors.allowedHeaders, "Authorization", "Idempotency-Key", "If-Match"];
const exposedHeaders = [
  ...connectCors.exposedHeaders,
  "Idempotent-Replayed",
  "ETag",
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "WWW-Authenticate",
];

interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
  writeHead(status: number): unknown;
  end(): unknown;
}

/**
 * Returns a function that decorates a response with CORS headers and answers
 * preflights. It returns true when it answered the request (a preflight).
 */
export function createCors(options: CorsOptions) {
  const any = options.origins.includes("*");
  const allowed = new Set(options.origins);
  const maxAge = String(options.maxAgeSeconds ?? 7200);

  return function applyCors(
    req: { method?: string | undefined; headers: Record<string, string | string[] | undefined> },
    res: HeaderTarget,
  ): boolean {
    const origin = req.headers["origin"];
    if (typeof origin !== "string" || (!any && !allowed.has(origin))) return false;
    res.setHeader("access-control-allow-origin", any ? "*" : origin);
    if (!any) res.setHeader("vary", "Origin");
    const isPreflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (!isPreflight) {
      res.setHeader("access-control-expose-headers", exposedHeaders.join(", "));
      return false;
    }
    res.setHeader("access-control-allow-methods", allowedMethods.join(", "));
    res.setHeader("access-control-allow-headers", allowedHeaders.join(", "));
    res.setHeader("access-control-max-age", maxAge);
    res.writeHead(204);
    res.end();
    return true;
  };
}
