// Organizations and tenants: the shapes and the few rules on their fields.
import type { Violation } from "./errors.js";
import { isValidOrganizationId } from "./identity-validation.js";

export interface Organization {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly createdBy: string;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly createdBy: string;
}

const maxNameLength = 255;

/** A display name: 1-255 characters after trimming, no control characters. */
export function nameViolation(field: string, name: string): Violation | null {
  const trimmed = name.trim();
  if (trimmed === "") return { field, code: "AVNOLOGY_AUTH_902", message: "is required" };
  if ([...trimmed].length > maxNameLength) {
    return { field, code: "AVNOLOGY_AUTH_902", message: `must be at most ${maxNameLength} characters` };
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    return { field, code: "AVNOLOGY_AUTH_902", message: "must not contain control characters" };
  }
  return null;
}

export function organizationIdViolation(field: string, id: string): Violation | null {
  return isValidOrganizationId(id)
    ? null
    : { field, code: "AVNOLOGY_AUTH_902", message: "must be 'org_' followed by 1 to 64 lowercase letters a-z, digits 0-9 or '-'" };
}
