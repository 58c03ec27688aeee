// The one spelling of a REST path that is served. Anything in front of the
// service (a gateway's path-prefix rules, a WAF, access logs) must see the same
// route the service acts on, so a path is matched only in canonical form and
// every other spelling answers 404 `AVNOLOGY_AUTH_905`, like an unknown route,
// rather than being normalised. (WHATWG `new URL()` would have served
// `//evil.example/v1/api-keys` as `/v1/api-keys`, and resolved `/./`, `/../`,
// `%2e%2e` and `\` as a browser does.)
//
// Canonical, checked on the raw request target (`req.url`, HTTP/2 `:path`):
// - origin form: it starts with "/" (no absolute form `http://host/...` nor
//   `*`: the RPC routes on this port match origin form only too);
// - the path (before the first "?") is "/"-separated segments, none empty:
//   no "//", no trailing "/";
// - each segment is RFC 3986 `pchar`s only (unreserved, sub-delims, ":", "@",
//   and "%" + two hex digits): no raw "\", "#", space, quote or non-ASCII;
// - its percent-encoding decodes as UTF-8, and the decoded segment is neither
//   "." nor ".." and holds no "/" or "\" (so `%2F`, `%5C`, `%2e%2e` are refused);
// - literal segments then match byte for byte (path-template.ts), so
//   `/v1/%61pi-keys` or `/V1/api-keys` is no route either.
// The query string is not restricted here; query-params.ts binds it.

export interface RequestTarget {
  /** The raw (still percent-encoded) path, canonical. */
  readonly path: string;
  readonly query: URLSearchParams;
}

const pchars = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;

/** The canonical path and the query of a raw request target, or undefined when the path is not canonical. */
export function parseRequestTarget(raw: string): RequestTarget | undefined {
  const queryAt = raw.indexOf("?");
  const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
  if (!isCanonicalPath(path)) return undefined;
  return { path, query: new URLSearchParams(queryAt < 0 ? "" : raw.slice(queryAt + 1)) };
}

export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith("/")) return false;
  return path
    .slice(1)
    .split("/")
    .every((segment) => {
      if (!pchars.test(segment)) return false;
      const decoded = decodeSegment(segment);
      return decoded !== undefined && decoded !== "." && decoded !== ".." && !/[/\\]/.test(decoded);
    });
}

/** The percent-decoded segment, or undefined when its encoding is not UTF-8. */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** What a 404 echoes of a path: enough to recognise it, never a whole junk request line. */
export function echoedPath(raw: string): string {
  const queryAt = raw.indexOf("?");
  const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}
