// DeleteIdentity: one guarded delete whose filter carries every condition
// (tenant, the org-bound caller's organization, the etag's version), so no
// read decides anything. The unique keys go with the document: the email,
// username and external_id are free again at once.
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller } from "../../auth/permissions.js";
import { versionOfEtag } from "../../domain/etag.js";
import type { IdentityDeps } from "./deps.js";
import { staleEtag } from "./identity-errors.js";
import { findVisibleIdentity } from "./visible-identity.js";

export interface DeleteIdentityInput {
  readonly id: string;
  /** "" or "*" = unconditional. */
  readonly etag: string;
}

export async function deleteIdentity(deps: IdentityDeps, caller: Caller, input: DeleteIdentityInput): Promise<void> {
  requireTenantCaller(caller);
  const conditional = input.etag !== "" && input.etag !== "*";
  const version = conditional ? versionOfEtag(input.etag) : undefined;
  const deleted = version === null ? false : await deps.store.delete(caller.tenantId, input.id, {
    ...(caller.organizationId !== undefined && { organizationId: caller.organizationId }),
    ...(version !== undefined && { version }),
  });
  if (deleted) return;
  // Nothing matched: missing/invisible (404, thrown by the lookup) or, with an etag, stale (412).
  await findVisibleIdentity(deps, caller, input.id);
  throw staleEtag(input.etag);
}
