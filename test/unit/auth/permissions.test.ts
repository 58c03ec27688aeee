import { describe, expect, it } from "vitest";
import { scopes as allScopes, type Caller, type Scope } from "../../../src/auth/caller.js";
import {
  canGrantKey,
  checkAdminOnlyFields,
  isTenantAdmin,
  requireCanGrantKey,
  requireScope,
  requireTenantCaller,
  resolveTargetOrganization,
} from "../../../src/auth/permissions.js";
import type { WritableField } from "../../../src/domain/identity-fields.js";
import { AppError } from "../../../src/domain/errors.js";

const caller = (kind: Caller["kind"], scopes: readonly Scope[], organizationId?: string): Caller => ({
  kind,
  subject: `${kind}-subject`,
  tenantId: kind === "bootstrap" ? "" : "ten_1",
  scopes: new Set(scopes),
  ...(organizationId === undefined ? {} : { organizationId }),
});

const callers = {
  // Its scope set is deliberately wide: the rules must not trust it.
  bootstrap: caller("bootstrap", allScopes),
  tenantAdmin: caller("api_key", allScopes),
  oauthTenantAdmin: caller("oauth", ["admin:users:write", "admin:users:read"]),
  orgAdmin: caller("api_key", ["admin:users:write", "admin:users:read", "admin:keys:write"], "org_a"),
  tenantReader: caller("api_key", ["admin:users:read"]),
  keyManager: caller("api_key", ["admin:keys:write", "admin:users:read"]),
} as const;
type CallerName = keyof typeof callers;

/** "ok", or the AppError code (plus details.field when named) the call threw. */
function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.details.field === undefined ? err.code : `${err.code} ${err.details.field}`;
  }
}

describe("requireScope", () => {
  it.each<[CallerName, Scope, string]>([
    ["bootstrap", "admin:keys:write", "ok"],
    ["bootstrap", "admin:users:write", "AVNOLOGY_AUTH_101"],
    ["bootstrap", "admin:users:read", "AVNOLOGY_AUTH_101"],
    ["bootstrap", "admin:orgs:write", "AVNOLOGY_AUTH_101"],
    ["bootstrap", "admin:orgs:read", "AVNOLOGY_AUTH_101"],
    ["tenantAdmin", "admin:users:write", "ok"],
    ["tenantAdmin", "admin:orgs:write", "ok"],
    ["oauthTenantAdmin", "admin:users:write", "ok"],
    ["oauthTenantAdmin", "admin:keys:write", "AVNOLOGY_AUTH_100"],
    ["orgAdmin", "admin:users:write", "ok"],
    ["orgAdmin", "admin:orgs:write", "AVNOLOGY_AUTH_100"],
    ["tenantReader", "admin:users:read", "ok"],
    ["tenantReader", "admin:users:write", "AVNOLOGY_AUTH_100"],
    ["keyManager", "admin:keys:write", "ok"],
    ["keyManager", "admin:users:write", "AVNOLOGY_AUTH_100"],
  ])("%s needing %s → %s", (name, scope, expected) => {
    expect(outcome(() => requireScope(callers[name], scope))).toBe(expected);
  });

  it("answers the bootstrap key with the exact 400 message of the reference API", () => {
    try {
      requireScope(callers.bootstrap, "admin:users:write");
      expect.unreachable();
    } catch (e) {
      const err = e as AppError;
      expect(err.entry.http).toBe(400);
      expect(err.message).toBe("Bootstrap key cannot manage users. Create an admin key first.");
    }
  });

  it("names the missing scope in a 403", () => {
    try {
      requireScope(callers.tenantReader, "admin:users:write");
      expect.unreachable();
    } catch (e) {
      const err = e as AppError;
      expect(err.entry.http).toBe(403);
      expect(err.details.metadata).toEqual({ required_scope: "admin:users:write" });
    }
  });
});

describe("requireTenantCaller", () => {
  it.each<[string, Caller, string]>([
    ["bootstrap", callers.bootstrap, "AVNOLOGY_AUTH_101"],
    ["tenant admin", callers.tenantAdmin, "ok"],
    ["org-bound caller", callers.orgAdmin, "ok"],
    ["tenant-less API key (resolver bug)", { ...callers.tenantAdmin, tenantId: "" }, "AVNOLOGY_AUTH_100"],
  ])("%s → %s", (_name, c, expected) => {
    expect(outcome(() => requireTenantCaller(c))).toBe(expected);
  });
});

describe("isTenantAdmin", () => {
  it.each<[CallerName, boolean]>([
    ["bootstrap", false],
    ["tenantAdmin", true],
    ["oauthTenantAdmin", true],
    ["orgAdmin", false],
    ["tenantReader", false],
    ["keyManager", false],
  ])("%s → %s", (name, expected) => {
    expect(isTenantAdmin(callers[name])).toBe(expected);
  });
});

describe("canGrantKey", () => {
  it.each<[CallerName, Scope[], string | undefined, string]>([
    ["bootstrap", [...allScopes], undefined, "ok"],
    ["bootstrap", ["admin:users:write"], "", "ok"],
    ["bootstrap", ["admin:users:write"], "org_a", "organization_id"],
    ["tenantAdmin", [...allScopes], undefined, "ok"],
    ["tenantAdmin", ["admin:users:read"], "org_b", "ok"],
    ["keyManager", ["admin:users:read"], undefined, "ok"],
    ["keyManager", ["admin:users:write"], undefined, "scopes"],
    ["keyManager", ["admin:users:read", "admin:orgs:write"], undefined, "scopes"],
    ["orgAdmin", ["admin:users:write"], "org_a", "ok"],
    ["orgAdmin", ["admin:users:write"], "org_b", "organization_id"],
    ["orgAdmin", ["admin:users:write"], undefined, "organization_id"],
    ["orgAdmin", ["admin:users:write"], "", "organization_id"],
    ["orgAdmin", ["admin:orgs:write"], "org_a", "scopes"],
  ])("%s granting %j in org %j → %s", (name, requested, organizationId, expected) => {
    const request = { scopes: requested, ...(organizationId === undefined ? {} : { organizationId }) };
    const violation = canGrantKey(callers[name], request);
    expect(violation === null ? "ok" : violation.field).toBe(expected);
    if (violation !== null) expect(violation.code).toBe("AVNOLOGY_AUTH_100");
    expect(outcome(() => requireCanGrantKey(callers[name], request))).toBe(
      expected === "ok" ? "ok" : `AVNOLOGY_AUTH_100 ${expected}`,
    );
  });
});

describe("resolveTargetOrganization", () => {
  it.each<[CallerName, string, string]>([
    ["orgAdmin", "", "org_a"],
    ["orgAdmin", "org_a", "org_a"],
    ["orgAdmin", "org_b", "AVNOLOGY_AUTH_100 organization_id"],
    ["tenantAdmin", "", ""],
    ["tenantAdmin", "org_b", "org_b"],
    ["oauthTenantAdmin", "org_c", "org_c"],
    ["bootstrap", "", "AVNOLOGY_AUTH_101"],
  ])("%s asking for %j → %s", (name, requested, expected) => {
    let result = "";
    const got = outcome(() => {
      result = resolveTargetOrganization(callers[name], requested).organizationId;
    });
    expect(got === "ok" ? result : got).toBe(expected);
  });
});

describe("checkAdminOnlyFields", () => {
  type AdminOnlyFieldsPresent = Record<"adminMetadata" | "state" | "emailVerified" | "phoneVerified", boolean>;
  const none: AdminOnlyFieldsPresent = { adminMetadata: false, state: false, emailVerified: false, phoneVerified: false };
  const all: AdminOnlyFieldsPresent = { adminMetadata: true, state: true, emailVerified: true, phoneVerified: true };
  it.each<[CallerName, Partial<AdminOnlyFieldsPresent>, string]>([
    ["tenantAdmin", all, "ok"],
    ["oauthTenantAdmin", all, "ok"],
    ["orgAdmin", none, "ok"],
    ["orgAdmin", all, "AVNOLOGY_AUTH_100 admin_metadata"],
    // The first present in field order (the field table's) is named.
    ["orgAdmin", { state: true, phoneVerified: true }, "AVNOLOGY_AUTH_100 phone_verified"],
    ["orgAdmin", { state: true }, "AVNOLOGY_AUTH_100 state"],
    ["orgAdmin", { emailVerified: true }, "AVNOLOGY_AUTH_100 email_verified"],
    ["tenantReader", { phoneVerified: true }, "AVNOLOGY_AUTH_100 phone_verified"],
    ["keyManager", { adminMetadata: true }, "AVNOLOGY_AUTH_100 admin_metadata"],
    ["bootstrap", none, "AVNOLOGY_AUTH_101"],
  ])("%s sending %j → %s", (name, present, expected) => {
    const sent = new Set(Object.entries({ ...none, ...present }).filter(([, on]) => on).map(([key]) => key as WritableField));
    expect(outcome(() => checkAdminOnlyFields(callers[name], sent))).toBe(expected);
  });
});
