// Authorization rules: pure functions of the Caller and the request. The
// scope an RPC requires is declared in the contract and checked by the method
// pipeline (src/transport/pipeline/scope-step.ts, with requireScope); services
// call the data-dependent rules below before touching the store. Each either
// returns or throws the AppError the client must see (never silently narrows a
// request).
import { AppError, type Violation } from "../domain/errors.js";
import { identityFields, type WritableField } from "../domain/identity-fields.js";
import { DeclaredScope, scopeName, type Caller, type Scope } from "./caller.js";

const bootstrapMessage = "Bootstrap key cannot manage users. Create an admin key first.";

// The bootstrap key exists only to create a tenant's first admin key. Its
// reach is fixed by its kind, not by whatever scope set the resolver gave it.
const bootstrapScopes: ReadonlySet<Scope> = new Set<Scope>([scopeName(DeclaredScope.ADMIN_KEYS_WRITE)]);
/** Held by a caller not bound to an organization, it makes a tenant admin. */
const tenantAdminScope: Scope = scopeName(DeclaredScope.ADMIN_USERS_WRITE);

/**
 * Identity and organization operations need a caller that belongs to a
 * tenant: the bootstrap key is refused with 101 (400), as the reference API
 * does, before any scope is looked at.
 */
export function requireTenantCaller(caller: Caller): void {
  if (caller.kind === "bootstrap") throw new AppError("AVNOLOGY_AUTH_101", {}, bootstrapMessage);
  // Fail closed: a tenant-less non-bootstrap caller is a resolver bug, and
  // must never read or write data "of tenant ''".
  if (caller.tenantId === "") {
    throw new AppError("AVNOLOGY_AUTH_100", { metadata: { reason: "no_tenant" } }, "Caller has no tenant");
  }
}

/** Throws 100 (403) unless the caller holds `scope`; 101 for the bootstrap key on user/org operations. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (caller.kind === "bootstrap" && bootstrapScopes.has(scope)) return;
  requireTenantCaller(caller); // 101 for bootstrap on anything else
  if (!caller.scopes.has(scope)) {
    throw new AppError(
      "AVNOLOGY_AUTH_100",
      { metadata: { required_scope: scope } },
      `Insufficient permissions: ${scope} required`,
    );
  }
}

/**
 * A request field gated by its own scope (declared in the contract with
 * `field_required_scope`): 403 AVNOLOGY_AUTH_100 naming the field unless the
 * caller holds the scope.
 */
export function requireFieldScope(caller: Caller, field: string, scope: Scope): void {
  requireTenantCaller(caller);
  if (!caller.scopes.has(scope)) {
    throw new AppError(
      "AVNOLOGY_AUTH_100",
      { field, metadata: { required_scope: scope } },
      `Insufficient permissions: ${scope} required to set ${field}`,
    );
  }
}

/** Held with a tenant-wide reach, it lets a caller import password hashes (CreateIdentityRequest.password_hash). */
export const importScope: Scope = scopeName(DeclaredScope.ADMIN_USERS_IMPORT);

/**
 * password_hash: a tenant-wide caller holding admin:users:import. The scope is
 * declared on the field in the contract and checked by the pipeline's scope
 * step for every call; it is checked again here because the tenant-wide reach
 * is a rule on data, and so that every path to a create (a replay, a batch
 * item) refuses exactly like a fresh single call.
 */
export function requireImportCaller(caller: Caller): void {
  requireFieldScope(caller, "password_hash", importScope);
  if (caller.organizationId !== undefined) {
    throw new AppError("AVNOLOGY_AUTH_100", { field: "password_hash" }, "Only a tenant-wide caller may set password_hash");
  }
}

/** A tenant-wide caller (not bound to an organization) allowed to write users. */
export function isTenantAdmin(caller: Caller): boolean {
  return caller.kind !== "bootstrap" && caller.organizationId === undefined && caller.scopes.has(tenantAdminScope);
}

export interface KeyGrantRequest {
  readonly scopes: readonly Scope[];
  /** Organization the new key is bound to; undefined or "" = tenant-wide. */
  readonly organizationId?: string;
}

/**
 * Whether `caller` may create a key with this reach, as the first violation
 * or null. Assumes the pipeline already checked the RPC's required scope.
 *
 * A key can never be wider than its creator: every scope must be held by the
 * caller, and an org-bound caller may only create keys bound to its own
 * organization (a tenant-wide key would escape the organization). Otherwise a
 * non-admin key could mint an admin key, i.e. grant itself admin rights.
 * Call resolveTargetOrganization first if "" should default to the caller's
 * own organization; here "" means tenant-wide and is refused for org-bound callers.
 */
export function canGrantKey(caller: Caller, requested: KeyGrantRequest): Violation | null {
  const requestedOrg = requested.organizationId ?? "";
  if (caller.kind === "bootstrap") {
    // It creates a tenant's first key; that tenant has no organizations yet
    // (bootstrap cannot create them), so only a tenant-wide key makes sense.
    if (requestedOrg !== "") {
      return forbidden("organization_id", "The bootstrap key can only create tenant-wide keys");
    }
    return null;
  }
  for (const scope of requested.scopes) {
    if (!caller.scopes.has(scope)) {
      return forbidden("scopes", `Cannot grant scope ${scope}: the caller does not hold it`);
    }
  }
  if (caller.organizationId !== undefined && requestedOrg !== caller.organizationId) {
    return forbidden("organization_id", "Keys created by an organization-bound caller must be bound to the same organization");
  }
  return null;
}

/** canGrantKey as a guard: throws 100 (403) naming the offending field. */
export function requireCanGrantKey(caller: Caller, requested: KeyGrantRequest): void {
  const violation = canGrantKey(caller, requested);
  if (violation !== null) {
    throw new AppError("AVNOLOGY_AUTH_100", { field: violation.field, violations: [violation] }, violation.message);
  }
}

/**
 * The organization an identity operation targets. An org-bound caller works
 * only inside its organization ("" defaults to it, as the reference API
 * defaults to the caller's own scope); a tenant-wide caller gets what it asked
 * for ("" = no organization). Existence of the organization in the caller's
 * tenant is the store's check, not this one.
 */
export function resolveTargetOrganization(caller: Caller, requestedOrgId: string): { organizationId: string } {
  requireTenantCaller(caller);
  const own = caller.organizationId;
  if (own === undefined) return { organizationId: requestedOrgId };
  if (requestedOrgId === "" || requestedOrgId === own) return { organizationId: own };
  throw new AppError(
    "AVNOLOGY_AUTH_100",
    { field: "organization_id", value: requestedOrgId },
    "Caller cannot act outside its own organization",
  );
}

/** The admin-only fields (the field table's adminOnly column), in table order. */
const adminOnlyFields = identityFields.filter((row) => row.access === "writable" && row.adminOnly !== undefined);

/**
 * Fields only a tenant admin may set. A non-admin sending one gets 403 naming
 * it (the first in field order): dropping it silently would let the client
 * believe it was applied. `present`: the fields the request sets (create: its
 * non-default fields; update: its mask).
 */
export function checkAdminOnlyFields(caller: Caller, present: ReadonlySet<WritableField>): void {
  requireTenantCaller(caller);
  if (isTenantAdmin(caller)) return;
  for (const row of adminOnlyFields) {
    if (present.has(row.key as WritableField)) {
      throw new AppError("AVNOLOGY_AUTH_100", { field: row.proto }, `Only a tenant admin may set ${row.proto}`);
    }
  }
}

function forbidden(field: string, message: string): Violation {
  return { field, code: "AVNOLOGY_AUTH_100", message };
}

/**
 * Whether a caller may see (and so read or change) an identity of its tenant:
 * an org-bound caller sees only its organization's identities. Anything it may
 * not see is answered exactly like a missing identity (404), never 403, so
 * that ids of other organizations cannot be probed.
 */
export function canSeeIdentity(caller: Caller, identity: { readonly organizationId: string }): boolean {
  return caller.organizationId === undefined || caller.organizationId === identity.organizationId;
}
