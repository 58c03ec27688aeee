// HTTP entity tags for AIP-154 etags: `If-Match` in (REST, and any client
// that prefers the header on Connect), `ETag` out. Our etags are opaque
// strings such as `v3`, sent quoted as RFC 9110 strong entity tags.

/** The etag a request's If-Match names: "" when absent, "*" for any; the first of a list. */
export function etagFromIfMatch(headers: Headers): string {
  const raw = headers.get("if-match")?.trim() ?? "";
  if (raw === "" || raw === "*") return raw;
  const first = raw.split(",")[0]!.trim();
  const match = /^(?:W\/)?"([^"]*)"$/.exec(first);
  return match ? match[1]! : first;
}

export function setEtagHeader(headers: Headers, etag: string): void {
  headers.set("etag", `"${etag}"`);
}
