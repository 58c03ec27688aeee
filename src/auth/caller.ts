// Who is calling: resolved once per request from its credentials, then passed
// to services as a plain argument.

export const scopes = [
  "admin:users:write",
  "admin:users:read",
  "admin:keys:write",
  "admin:orgs:write",
  "admin:orgs:read",
] as const;
export type Scope = (typeof scopes)[number];

export type CallerKind = "api_key" | "oauth" | "bootstrap";

export interface Caller {
  readonly kind: CallerKind;
  /**
   * Who is calling, namespaced by credential kind so that no two kinds can
   * name the same caller: `key_<uuid>` (API key id), `bootstrap`, or
   * `oauth:<sub>` (access token). Scopes idempotency keys and rate-limit
   * buckets; recorded as created_by / updated_by.
   */
  readonly subject: string;
  /** The tenant everything this caller does belongs to; "" for the bootstrap key. */
  readonly tenantId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** Set when the caller is bound to one organization of its tenant. */
  readonly organizationId?: string;
}

export function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}
