// Opaque ListIdentities page tokens: the keyset position (created_at, id) of
// the last identity of the previous page, plus a digest of the filter (and
// the caller's tenant and organization) it was issued for, so that a token
// replayed with another filter is refused (400) instead of silently paging
// through a different result set.
//
// The token is not a secret and needs no signature: a client that forges one
// can only start its listing at another position of the same tenant- and
// organization-scoped query, which it could reach by paging anyway.
import { createHash } from "node:crypto";
import { AppError } from "../../domain/errors.js";
import type { IdentityListFilter, ListCursor } from "../../store/identity-queries.js";

const tokenVersion = 1;

export interface PageScope {
  readonly tenantId: string;
  readonly organizationId: string | undefined;
  readonly filter: IdentityListFilter;
}

export function encodePageToken(scope: PageScope, cursor: ListCursor): string {
  const payload = { v: tokenVersion, t: cursor.createdAt.getTime(), i: cursor.id, f: scopeDigest(scope) };
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/** The cursor of a token, or 400 (902 on page_token) when it is malformed or was issued for another filter. */
export function decodePageToken(scope: PageScope, token: string): ListCursor {
  const payload = parse(token);
  if (payload === undefined) throw invalidToken("is not a valid page token");
  if (payload.f !== scopeDigest(scope)) throw invalidToken("was issued for different filters; list again from the first page");
  return { createdAt: new Date(payload.t), id: payload.i };
}

function parse(token: string): { t: number; i: string; f: string } | undefined {
  if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const p: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof p !== "object" || p === null) return undefined;
    const { v, t, i, f } = p as Record<string, unknown>;
    if (v !== tokenVersion || !Number.isSafeInteger(t) || typeof i !== "string" || typeof f !== "string") return undefined;
    return { t: t as number, i, f };
  } catch {
    return undefined;
  }
}

/** Canonical (fixed key order) digest of everything that decides the result set. */
function scopeDigest(scope: PageScope): string {
  const f = scope.filter;
  const canonical = JSON.stringify([
    scope.tenantId,
    scope.organizationId ?? null,
    f.email ?? null,
    f.username ?? null,
    f.organizationId ?? null,
    f.externalId ?? null,
    f.state ?? null,
    f.createdAfter?.getTime() ?? null,
    f.createdBefore?.getTime() ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 22);
}

function invalidToken(message: string): AppError {
  return new AppError("AVNOLOGY_AUTH_902", {
    field: "page_token",
    violations: [{ field: "page_token", code: "AVNOLOGY_AUTH_902", message }],
  });
}
