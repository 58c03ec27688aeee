// ListIdentities: oldest first, keyset-paginated with opaque tokens bound to
// the filter, scoped to the caller's tenant and, for an org-bound caller, to
// its organization. Email and username match exactly, case-insensitively
// (through the stored normalised keys).
import type { Caller } from "../../auth/caller.js";
import { requireTenantCaller, resolveTargetOrganization } from "../../auth/permissions.js";
import { validationError, type Violation } from "../../domain/errors.js";
import { identityStates, type Identity, type IdentityState } from "../../domain/identity.js";
import type { IdentityListFilter } from "../../store/identity-queries.js";
import type { IdentityDeps } from "./deps.js";
import { decodePageToken, encodePageToken, type PageScope } from "./page-token.js";

export const defaultPageSize = 50;
export const maxPageSize = 1000;

export interface ListIdentitiesInput {
  /** 0 = the default. */
  readonly pageSize: number;
  readonly pageToken: string;
  /** "" = no filter on that field. */
  readonly email: string;
  readonly username: string;
  readonly organizationId: string;
  readonly externalId: string;
  readonly state: string;
  readonly createdAfter: Date | undefined;
  readonly createdBefore: Date | undefined;
}

export interface IdentityPage {
  readonly identities: Identity[];
  /** "" on the last page. */
  readonly nextPageToken: string;
}

export async function listIdentities(deps: IdentityDeps, caller: Caller, input: ListIdentitiesInput): Promise<IdentityPage> {
  requireTenantCaller(caller);
  const violations: Violation[] = [];
  const fail = (field: string, message: string) => violations.push({ field, code: "AVNOLOGY_AUTH_902", message });
  if (!Number.isInteger(input.pageSize) || input.pageSize < 0) fail("page_size", "must be 0 (the default) or a positive integer");
  if (input.state !== "" && !(identityStates as readonly string[]).includes(input.state)) {
    fail("state", `must be one of ${identityStates.map((s) => `"${s}"`).join(", ")}`);
  }
  if (input.createdAfter && input.createdBefore && input.createdAfter >= input.createdBefore) {
    fail("created_before", "must be later than created_after");
  }
  if (violations.length > 0) throw validationError(violations);

  // An org-bound caller lists its own organization (asking for another is 403).
  const organizationId = caller.organizationId !== undefined || input.organizationId !== ""
    ? resolveTargetOrganization(caller, input.organizationId).organizationId
    : undefined;
  const filter: IdentityListFilter = {
    ...(input.email !== "" && { email: input.email }),
    ...(input.username !== "" && { username: input.username }),
    ...(organizationId !== undefined && { organizationId }),
    ...(input.externalId !== "" && { externalId: input.externalId }),
    ...(input.state !== "" && { state: input.state as IdentityState }),
    ...(input.createdAfter && { createdAfter: input.createdAfter }),
    ...(input.createdBefore && { createdBefore: input.createdBefore }),
  };
  const scope: PageScope = { tenantId: caller.tenantId, organizationId: caller.organizationId, filter };
  const after = input.pageToken === "" ? undefined : decodePageToken(scope, input.pageToken);
  const pageSize = Math.min(input.pageSize || defaultPageSize, maxPageSize);

  // One more than asked tells whether another page exists.
  const found = await deps.store.listPage(caller.tenantId, filter, after, pageSize + 1);
  const identities = found.slice(0, pageSize);
  const last = identities.at(-1);
  const nextPageToken =
    found.length > pageSize && last ? encodePageToken(scope, { createdAt: last.createdAt, id: last.id }) : "";
  return { identities, nextPageToken };
}
