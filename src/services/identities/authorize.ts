// Who may make an identity call, as functions of the caller and the request
// alone (no store): the part of each use case's checks that decides on who is
// calling rather than on data. The use cases run them first; the idempotency
// step runs them again before it replays a stored answer to a caller
// (src/transport/connect/replay-rules.ts), so a replay is refused exactly
// like a fresh call by that caller would be.
import type { Caller } from "../../auth/caller.js";
import {
  checkAdminOnlyFields,
  canSeeIdentity,
  requireImportCaller,
  requireTenantCaller,
  resolveTargetOrganization,
} from "../../auth/permissions.js";
import type { IdentityFields } from "../../domain/identity.js";
import { implicitMask, parseUpdateMask } from "../../domain/update-mask.js";
import { notFound } from "./identity-errors.js";

// The RPC's scope is not checked here: the pipeline's scope step
// (src/transport/pipeline/scope-step.ts) checks it before any replay.

/**
 * CreateIdentity: the target organization within reach, admin-only fields only
 * for a tenant admin, a password hash only for a tenant-wide caller holding
 * admin:users:import. Answers the target organization.
 */
export function authorizeCreateIdentity(
  caller: Caller,
  fields: IdentityFields,
  request: { readonly passwordHash?: string } = {},
): { organizationId: string } {
  requireTenantCaller(caller);
  if (request.passwordHash) requireImportCaller(caller);
  // 403s come before any 902: an organization-bound caller may not name
  // another organization (existing or not) nor set the admin-only fields
  // (any set to a non-default value).
  const target = resolveTargetOrganization(caller, fields.organizationId);
  checkAdminOnlyFields(caller, implicitMask(fields));
  return target;
}

/**
 * UpdateIdentity's checks on the caller, for a replay: users:write, then (when
 * the mask parses; a bad mask is answered 902 before any 403 and that 902 is
 * what was stored) the admin-only fields it names and the organization reach.
 */
export function authorizeUpdateIdentity(caller: Caller, input: { values: IdentityFields; maskPaths: readonly string[] | undefined }): void {
  authorizeIdentityWrite(caller);
  const { fields: mask, violations } =
    input.maskPaths === undefined ? { fields: implicitMask(input.values), violations: [] } : parseUpdateMask(input.maskPaths);
  if (violations.length > 0) return;
  checkAdminOnlyFields(caller, mask);
  if (mask.has("organizationId")) resolveTargetOrganization(caller, input.values.organizationId);
}

/** DeleteIdentity, SetPassword: a tenant caller (the scope step checked users:write). */
export function authorizeIdentityWrite(caller: Caller): void {
  requireTenantCaller(caller);
}

/** 404 for an identity the caller may not see (another organization's), exactly as a GET by it answers. */
export function requireVisibleIdentity(caller: Caller, identity: { readonly id: string; readonly organizationId: string }): void {
  if (!canSeeIdentity(caller, identity)) throw notFound(identity.id);
}
