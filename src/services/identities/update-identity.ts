// UpdateIdentity (AIP-134 with AIP-154 etags): the fields named by the mask
// are replaced (a masked field absent from the request is cleared), every
// field rule of create applies to them, the unique indexes decide clashes,
// and a guarded update (filter names the version read) decides races.
//
// Decisions:
// - With an etag: the write happens only at that version; otherwise 412/ABORTED
//   AVNOLOGY_AUTH_050. The early comparison after the read only saves work:
//   the guarded update is what enforces it.
// - Without an etag: last writer wins, but never a lost update of other
//   fields: the write is guarded by the version just read and retried on a
//   fresh read when another writer got in between.
// - email_verified / phone_verified (admin-only, like state and
//   admin_metadata) reset to false when the email (its normalised key) or the
//   phone changes, unless the same request sets them explicitly.
// - An empty mask changes nothing and answers the identity as stored.
import type { Caller } from "../../auth/caller.js";
import { checkAdminOnlyFields, requireTenantCaller, resolveTargetOrganization } from "../../auth/permissions.js";
import { validationError, type Violation } from "../../domain/errors.js";
import { versionOfEtag } from "../../domain/etag.js";
import { normalizeEmail, type Identity, type IdentityFields, type ValidIdentityFields } from "../../domain/identity.js";
import { validateIdentityFields } from "../../domain/identity-validation.js";
import { applyMask, implicitMask, parseUpdateMask, type WritableField } from "../../domain/update-mask.js";
import type { IdentityDeps } from "./deps.js";
import { concurrentlyModified, conflictError, notFound, staleEtag } from "./identity-errors.js";
import { findVisibleIdentity, maxUnconditionalAttempts, retryPause } from "./visible-identity.js";

export interface UpdateIdentityInput {
  readonly id: string;
  /** The request's values; only the masked ones are used. */
  readonly values: IdentityFields;
  /** Mask paths (snake_case); undefined = the non-default fields of `values`. */
  readonly maskPaths: readonly string[] | undefined;
  /** "" or "*" = unconditional. */
  readonly etag: string;
  readonly validateOnly: boolean;
  readonly transportViolations?: readonly Violation[];
}

export async function updateIdentity(deps: IdentityDeps, caller: Caller, input: UpdateIdentityInput): Promise<Identity> {
  requireTenantCaller(caller);
  const { fields: mask, violations } =
    input.maskPaths === undefined ? { fields: implicitMask(input.values), violations: [] } : parseUpdateMask(input.maskPaths);
  const shapeViolations = [...(input.transportViolations ?? []), ...violations];
  if (shapeViolations.length > 0) throw validationError(shapeViolations);
  checkAdminOnlyFields(caller, mask);
  const values = { ...input.values };
  if (mask.has("organizationId")) {
    // An org-bound caller cannot move an identity out of its organization.
    values.organizationId = resolveTargetOrganization(caller, values.organizationId).organizationId;
  }
  const conditional = input.etag !== "" && input.etag !== "*";
  const expected = conditional ? versionOfEtag(input.etag) : null;
  if (conditional && expected === null) throw staleEtag(input.etag);

  for (let attempt = 1; ; attempt++) {
    const current = await findVisibleIdentity(deps, caller, input.id);
    if (expected !== null && current.version !== expected) throw staleEtag(input.etag);
    if (mask.size === 0) return current;
    const fields = nextFields(current, values, mask);
    if (fields.organizationId !== "" && fields.organizationId !== current.organizationId) {
      if (!(await deps.organizations.exists(caller.tenantId, fields.organizationId))) {
        throw validationError(
          [{ field: "identity.organization_id", code: "AVNOLOGY_AUTH_902", message: "does not name an organization of this tenant" }],
          fields.organizationId,
        );
      }
    }
    if (input.validateOnly) {
      const taken = await deps.store.findTaken(caller.tenantId, fields, current.id);
      if (taken[0]) throw conflictError(taken[0], fields);
      return { ...current, ...fields };
    }
    const next: Identity = {
      ...current,
      ...fields,
      updatedAt: deps.now(),
      updatedBy: caller.subject,
      version: current.version + 1,
    };
    const result = await deps.store.update(next, current.version);
    if (result.ok) return next;
    if (!result.stale) throw conflictError(result.conflict, fields);
    // Lost a race: deleted meanwhile (404), or changed meanwhile.
    if (!(await deps.store.findById(caller.tenantId, input.id))) throw notFound(input.id);
    if (expected !== null) throw staleEtag(input.etag);
    if (attempt >= maxUnconditionalAttempts) {
      throw concurrentlyModified("etag");
    }
    await retryPause(attempt);
  }
}

/** The stored fields with the mask applied, validated and normalised; throws 902 with every violation. */
function nextFields(current: Identity, values: IdentityFields, mask: ReadonlySet<WritableField>): ValidIdentityFields {
  const merged = applyMask(current, values, mask);
  const { fields, violations } = validateIdentityFields(merged, { partial: mask });
  if (violations.length > 0) throw validationError(violations);
  if (!mask.has("emailVerified") && normalizeEmail(fields.email) !== normalizeEmail(current.email)) fields.emailVerified = false;
  if (!mask.has("phoneVerified") && fields.phone !== current.phone) fields.phoneVerified = false;
  return fields;
}
