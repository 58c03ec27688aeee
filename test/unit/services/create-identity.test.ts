// CreateIdentity on the in-memory stores: precedence, validate_only (nothing
// stored, nothing hashed, same rules), the unique index deciding races, and
// the organization rules that depend on data.
import { describe, expect, it } from "vitest";
import { admin, breachedPassword, failure, fields, memoryServices, orgBound } from "./memory-services.js";

const created = { createdAt: new Date("2026-01-01T00:00:00Z"), createdBy: "key_setup" };

async function withOrganizations(...ids: string[]) {
  const services = memoryServices();
  const caller = admin();
  for (const id of ids) await services.stores.organizations.insert({ id, tenantId: caller.tenantId, name: id, ...created });
  return { ...services, caller };
}

describe("CreateIdentity (in memory)", () => {
  it("creates an active identity with version 1 and its password hashed", async () => {
    const { identities, stores, caller } = await withOrganizations();
    const result = await identities.create(caller, { fields: fields({ email: "Jane@Example.com" }), initialPassword: "a long passphrase", validateOnly: false });
    if (!result.created) throw new Error("expected a created identity");
    expect(result.identity).toMatchObject({ tenantId: caller.tenantId, state: "active", version: 1, createdBy: caller.subject });
    expect(await stores.identities.findById(caller.tenantId, result.identity.id)).toEqual(result.identity);
    const stored = await stores.identities.findCredentials(caller.tenantId, { email: "jane@example.com" });
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("validate_only answers the identity that would be created, stores nothing and hashes nothing", async () => {
    const { identities, stores, caller, hashed } = await withOrganizations();
    const result = await identities.create(caller, { fields: fields({ email: "someone@example.com" }), initialPassword: "a quiet evening walk", validateOnly: true });
    expect(result).toMatchObject({ created: false, identity: { email: "someone@example.com", state: "active" } });
    expect(result.identity).not.toHaveProperty("id");
    expect(await stores.identities.findCredentials(caller.tenantId, { email: "someone@example.com" })).toBeNull();
    expect(hashed).not.toContain("a quiet evening walk");
  });

  it.each([
    ["email (case-insensitive)", { email: "TAKEN@example.com" }, "AVNOLOGY_AUTH_014", "email"],
    ["username", { username: "Taken" }, "AVNOLOGY_AUTH_015", "username"],
    ["external_id", { externalId: "crm-taken" }, "AVNOLOGY_AUTH_016", "external_id"],
  ] as const)("refuses a taken %s, for real and under validate_only alike", async (_name, clash, code, field) => {
    const { identities, caller } = await withOrganizations();
    await identities.create(caller, {
      fields: fields({ email: "taken@example.com", username: "taken", externalId: "crm-taken" }),
      initialPassword: "",
      validateOnly: false,
    });
    for (const validateOnly of [true, false]) {
      const err = await failure(identities.create(caller, { fields: fields(clash), initialPassword: "", validateOnly }));
      expect({ code: err.code, field: err.details.field }).toEqual({ code, field });
    }
  });

  it("lets the store's unique index decide a duplicate that appears after validation", async () => {
    const { stores, caller } = await withOrganizations();
    // Another request inserts the same email between this one's checks and its insert.
    const racing = memoryServices({
      identities: {
        ...stores.identities,
        insert: async (identity, hash) => {
          await stores.identities.insert({ ...identity, id: `${identity.id}-other` }, null);
          return stores.identities.insert(identity, hash);
        },
      },
      organizations: stores.organizations,
    });
    const err = await failure(racing.identities.create(caller, { fields: fields({ email: "race@example.com" }), initialPassword: "", validateOnly: false }));
    expect(err.code).toBe("AVNOLOGY_AUTH_014");
  });

  it("answers 902 for every bad field before the password policy, then 011, then the breach check", async () => {
    const { identities, caller } = await withOrganizations();
    const bad = await failure(identities.create(caller, { fields: fields({ email: "not an email", locale: "?" }), initialPassword: "short", validateOnly: true }));
    expect(bad.code).toBe("AVNOLOGY_AUTH_902");
    expect(bad.details.violations?.map((v) => v.field)).toEqual(expect.arrayContaining(["identity.email", "identity.locale", "initial_password"]));
    expect((await failure(identities.create(caller, { fields: fields(), initialPassword: "short", validateOnly: true }))).code).toBe("AVNOLOGY_AUTH_011");
    expect((await failure(identities.create(caller, { fields: fields(), initialPassword: breachedPassword, validateOnly: true }))).code).toBe(
      "AVNOLOGY_AUTH_010",
    );
  });

  it("requires organization_id to name an organization of the caller's tenant", async () => {
    const { identities, stores, caller } = await withOrganizations("org_eng");
    await stores.organizations.insert({ id: "org_elsewhere", tenantId: "ten_other", name: "x", ...created });
    const ok = await identities.create(caller, { fields: fields({ organizationId: "org_eng" }), initialPassword: "", validateOnly: false });
    expect(ok.identity.organizationId).toBe("org_eng");
    const err = await failure(identities.create(caller, { fields: fields({ organizationId: "org_elsewhere" }), initialPassword: "", validateOnly: true }));
    expect({ code: err.code, field: err.details.field }).toEqual({ code: "AVNOLOGY_AUTH_902", field: "organization_id" });
  });

  it("puts an organization-bound caller's identities in its organization and refuses another", async () => {
    const { identities, caller } = await withOrganizations("org_eng", "org_ops");
    const bound = orgBound(caller.tenantId, "org_eng");
    const result = await identities.create(bound, { fields: fields(), initialPassword: "", validateOnly: false });
    expect(result.identity.organizationId).toBe("org_eng");
    const err = await failure(identities.create(bound, { fields: fields({ organizationId: "org_ops" }), initialPassword: "", validateOnly: true }));
    expect(err.code).toBe("AVNOLOGY_AUTH_100");
  });

  it.each([
    ["admin_metadata", { adminMetadata: { tier: "gold" } }],
    ["state", { state: "inactive" as const }],
    ["email_verified", { emailVerified: true }],
    ["phone_verified", { phoneVerified: true }],
  ])("lets only a tenant admin set %s", async (field, value) => {
    const { identities, caller } = await withOrganizations("org_eng");
    const err = await failure(identities.create(orgBound(caller.tenantId, "org_eng"), { fields: fields(value), initialPassword: "", validateOnly: true }));
    expect({ code: err.code, field: err.details.field }).toEqual({ code: "AVNOLOGY_AUTH_100", field });
    expect((await identities.create(caller, { fields: fields(value), initialPassword: "", validateOnly: true })).created).toBe(false);
  });

  it("keeps tenants apart: the same email in two tenants, and another tenant's identity reads as missing", async () => {
    const { identities } = await withOrganizations();
    const [a, b] = [admin(), admin()];
    const first = await identities.create(a, { fields: fields({ email: "same@example.com" }), initialPassword: "", validateOnly: false });
    await identities.create(b, { fields: fields({ email: "same@example.com" }), initialPassword: "", validateOnly: false });
    if (!first.created) throw new Error("expected a created identity");
    expect((await failure(identities.get(b, first.identity.id))).code).toBe("AVNOLOGY_AUTH_040");
  });
});
