// IdentityService use cases: create and read identities. Orchestrates the
// pure rules (validation, password policy, permissions) and the I/O (store,
// hasher, breach check). Knows nothing about transports.
import { randomUUID } from "node:crypto";
import type { Caller } from "../auth/caller.js";
import { requireScope, requireTenantCaller } from "../auth/permissions.js";
import { AppError, resourceField, validationError, type Violation } from "../domain/errors.js";
import type { Identity, IdentityFields } from "../domain/identity.js";
import { validateIdentityFields } from "../domain/identity-validation.js";
import { checkPasswordPolicy, type PasswordPolicy } from "../passwords/password-policy.js";
import type { IdentityStore, UniqueField } from "../store/identity-store.js";

export interface PasswordHashing {
  hash(password: string): Promise<string>;
}

export interface BreachCheck {
  isBreached(password: string): Promise<boolean>;
}

export interface IdentityServiceDeps {
  readonly store: IdentityStore;
  readonly hasher: PasswordHashing;
  readonly breach: BreachCheck;
  readonly passwordPolicy: PasswordPolicy;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export interface CreateIdentityInput {
  readonly fields: IdentityFields;
  readonly initialPassword: string;
  readonly validateOnly: boolean;
  /** Violations found by the transport (e.g. output-only fields sent). */
  readonly transportViolations?: readonly Violation[];
}

/** validate_only answers the identity that would be created: no id, no timestamps. */
export type CreateIdentityResult =
  | { readonly created: true; readonly identity: Identity }
  | { readonly created: false; readonly identity: IdentityFields };

export interface IdentityService {
  create(caller: Caller, input: CreateIdentityInput): Promise<CreateIdentityResult>;
  get(caller: Caller, id: string): Promise<Identity>;
}

const conflictCodes = {
  email: "AVNOLOGY_AUTH_014",
  username: "AVNOLOGY_AUTH_015",
  external_id: "AVNOLOGY_AUTH_016",
} as const;

export function createIdentityService(deps: IdentityServiceDeps): IdentityService {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? (() => `usr_${randomUUID()}`);

  function conflictError(field: UniqueField, fields: IdentityFields): AppError {
    const value = { email: fields.email, username: fields.username, external_id: fields.externalId }[field];
    return new AppError(conflictCodes[field], { field, value });
  }

  return {
    async create(caller, input) {
      requireTenantCaller(caller);
      requireScope(caller, "admin:users:write");

      const { fields, violations } = validateIdentityFields(input.fields);
      const fieldViolations = [...(input.transportViolations ?? []), ...violations];
      const passwordViolations = input.initialPassword
        ? checkPasswordPolicy(
            input.initialPassword,
            { emailLocalPart: localPart(fields.email), username: fields.username },
            deps.passwordPolicy,
            "initial_password",
          )
        : [];
      // Precedence: any non-password problem answers 902 (password problems
      // listed too); only then 011, then the breach check, then uniqueness.
      if (fieldViolations.length > 0) {
        throw validationError([...fieldViolations, ...passwordViolations], firstValue(fieldViolations[0], fields));
      }
      if (passwordViolations.length > 0) throw validationError(passwordViolations);
      if (input.initialPassword && (await deps.breach.isBreached(input.initialPassword))) {
        throw new AppError("AVNOLOGY_AUTH_010", { field: "initial_password" });
      }

      if (input.validateOnly) {
        const taken = await deps.store.findTaken(caller.tenantId, fields);
        if (taken[0]) throw conflictError(taken[0], fields);
        return { created: false, identity: { ...fields, state: fields.state || "active" } };
      }

      const passwordHash = input.initialPassword ? await deps.hasher.hash(input.initialPassword) : null;
      const identity: Identity = {
        ...fields,
        id: newId(),
        tenantId: caller.tenantId,
        state: fields.state || "active",
        createdAt: now(),
        updatedAt: null,
        createdBy: caller.subject,
        updatedBy: "",
        version: 1,
      };
      const result = await deps.store.insert(identity, passwordHash);
      if (!result.ok) throw conflictError(result.conflict, fields);
      return { created: true, identity };
    },

    async get(caller, id) {
      requireTenantCaller(caller);
      requireScope(caller, "admin:users:read");
      const identity = await deps.store.findById(caller.tenantId, id);
      if (!identity) throw new AppError("AVNOLOGY_AUTH_040", { field: "id", value: id });
      return identity;
    },
  };
}

function localPart(email: string): string {
  const at = email.lastIndexOf("@");
  return at > 0 ? email.slice(0, at) : "";
}

/** The spec's `details.value` echoes the offending value of the first field, when it is a plain string field. */
function firstValue(violation: Violation | undefined, fields: IdentityFields): string | undefined {
  if (!violation) return undefined;
  const key = resourceField(violation.field);
  const byName: Record<string, string> = {
    email: fields.email,
    username: fields.username,
    phone: fields.phone,
    organization_id: fields.organizationId,
    locale: fields.locale,
    timezone: fields.timezone,
    external_id: fields.externalId,
    state: fields.state,
  };
  const value = byName[key];
  return value === undefined || value.length > 256 ? undefined : value;
}
