// CreateApiKey. With the bootstrap key: a new tenant named `name` and its
// first key. With a tenant caller: a key of its tenant, never wider than the
// caller (scopes and organization reach, src/auth/permissions.ts canGrantKey).
// The secret is answered once; only its HMAC digest is stored.
import { generateApiKeySecret, hashApiKeySecret } from "../../auth/api-key-secret.js";
import { isScope, type Caller, type Scope } from "../../auth/caller.js";
import { requireCanGrantKey } from "../../auth/permissions.js";
import type { ApiKey } from "../../domain/api-key.js";
import { AppError, validationError, type Violation } from "../../domain/errors.js";
import { nameViolation, organizationIdViolation } from "../../domain/organization.js";
import type { ApiKeyDeps } from "./deps.js";

export interface CreateApiKeyInput {
  readonly name: string;
  readonly scopes: readonly string[];
  /** "" = tenant-wide (or, for an organization-bound caller, its own organization). */
  readonly organizationId: string;
  readonly expiresAt: Date | null;
  readonly transportViolations?: readonly Violation[];
}

export interface CreatedApiKey {
  readonly key: ApiKey;
  /** Shown to the client once; never stored, never logged. */
  readonly secret: string;
}

export async function createApiKey(deps: ApiKeyDeps, caller: Caller, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const now = deps.now();
  const scopes = validate(input, now);

  // Precedence: the shape of the request (902) first, because the reach check
  // needs known scopes; then the reach (403); then whether the organization
  // exists (902), which costs a lookup.
  const organizationId = input.organizationId === "" && caller.organizationId !== undefined ? caller.organizationId : input.organizationId;
  requireCanGrantKey(caller, { scopes, organizationId });
  if (organizationId !== "" && !(await deps.organizations.exists(caller.tenantId, organizationId))) {
    throw validationError([{ field: "organization_id", code: "AVNOLOGY_AUTH_902", message: "does not name an organization of this tenant" }], organizationId);
  }

  const name = input.name.trim();
  let tenantId = caller.tenantId;
  if (caller.kind === "bootstrap") {
    // No transactions on FerretDB: a failure between the two inserts leaves a
    // tenant without keys, which is harmless (nothing can act in it) and is
    // retried by creating another tenant.
    tenantId = deps.newId("ten");
    await deps.tenants.insert({ id: tenantId, name, createdAt: now, createdBy: caller.subject });
  }
  const key: ApiKey = {
    id: deps.newId("key"),
    tenantId,
    name,
    scopes,
    organizationId,
    expiresAt: input.expiresAt,
    createdBy: caller.subject,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  const secret = generateApiKeySecret();
  await deps.keys.insert(key, hashApiKeySecret(secret, deps.pepper));
  return { key, secret };
}

/**
 * The checks of a CreateApiKey on who is calling (a reach no wider than the
 * caller's; the scope step checked keys:write), for a replay of a stored
 * answer: unknown scopes are left to validation (they were answered 902,
 * which is what was stored).
 */
export function authorizeCreateApiKey(caller: Caller, input: Pick<CreateApiKeyInput, "scopes" | "organizationId">): void {
  const organizationId = input.organizationId === "" && caller.organizationId !== undefined ? caller.organizationId : input.organizationId;
  requireCanGrantKey(caller, { scopes: input.scopes.filter(isScope), organizationId });
}

/** An org-bound caller sees only its organization's keys: another's reads like a missing one (043). */
export function requireVisibleApiKey(caller: Caller, key: Pick<ApiKey, "id" | "organizationId">): void {
  if (caller.organizationId !== undefined && key.organizationId !== caller.organizationId) {
    throw new AppError("AVNOLOGY_AUTH_043", { field: "id", value: key.id });
  }
}

function validate(input: CreateApiKeyInput, now: Date): Scope[] {
  const violations: Violation[] = [...(input.transportViolations ?? [])];
  const name = nameViolation("name", input.name);
  if (name) violations.push(name);
  if (input.scopes.length === 0) violations.push({ field: "scopes", code: "AVNOLOGY_AUTH_902", message: "must name at least one scope" });
  input.scopes.forEach((scope, i) => {
    if (!isScope(scope)) violations.push({ field: `scopes[${i}]`, code: "AVNOLOGY_AUTH_902", message: "is not a known scope" });
  });
  if (input.organizationId !== "") {
    const org = organizationIdViolation("organization_id", input.organizationId);
    if (org) violations.push(org);
  }
  if (input.expiresAt !== null && input.expiresAt.getTime() <= now.getTime()) {
    violations.push({ field: "expires_at", code: "AVNOLOGY_AUTH_902", message: "must be in the future" });
  }
  if (violations.length > 0) throw validationError(violations);
  return [...new Set(input.scopes.filter(isScope))];
}
