// The failures the identity use cases share, built in one place so that every
// use case answers them with the same code, field and message.
import { AppError } from "../../domain/errors.js";
import type { IdentityFields } from "../../domain/identity.js";
import { identityFieldByProto } from "../../domain/identity-fields.js";
import type { UniqueField } from "../../store/identity-store.js";

/** 404: missing, another tenant's, or (for an org-bound caller) another organization's identity. */
export function notFound(id: string): AppError {
  return new AppError("AVNOLOGY_AUTH_040", { field: "id", value: id });
}

/** 412: the client's etag no longer matches (the value is echoed, bounded). */
export function staleEtag(etag: string): AppError {
  return new AppError("AVNOLOGY_AUTH_050", { field: "etag", value: etag.slice(0, 64) });
}

/** 412 after losing every retry to concurrent writers of an identity written without an etag. */
export function concurrentlyModified(field: "id" | "etag", value?: string): AppError {
  return new AppError(
    "AVNOLOGY_AUTH_050",
    value === undefined ? { field } : { field, value },
    "The identity is being modified concurrently; retry",
  );
}

/** 409 naming the unique field whose value is taken (its code is in the field table). */
export function conflictError(field: UniqueField, fields: IdentityFields): AppError {
  const row = identityFieldByProto.get(field);
  if (row?.unique === undefined) throw new Error(`${field} is not a unique identity field`);
  return new AppError(row.unique.conflictCode, { field, value: String((fields as unknown as Record<string, unknown>)[row.key]) });
}

/** 010: the password is in the breached list (never echoed). */
export function breachedPassword(field: "initial_password" | "password"): AppError {
  return new AppError("AVNOLOGY_AUTH_010", {
    field,
    violations: [{ field, code: "AVNOLOGY_AUTH_010", message: "appears in a list of breached passwords" }],
  });
}
