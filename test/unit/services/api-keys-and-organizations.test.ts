// API keys and organizations on the in-memory stores: the bootstrap key's
// tenants, what a key may grant and revoke (never wider than its caller),
// organization ids unique per tenant, and tenant isolation.
import { describe, expect, it } from "vitest";
import { hashApiKeySecret } from "../../../src/auth/api-key-secret.js";
import { admin, bootstrap, failure, memoryServices, orgBound } from "./memory-services.js";

const keyInput = (overrides: Partial<{ name: string; scopes: string[]; organizationId: string; expiresAt: Date | null }> = {}) => ({
  name: "support desk",
  scopes: ["admin:users:read"],
  organizationId: "",
  expiresAt: null,
  ...overrides,
});

describe("API keys and organizations (in memory)", () => {
  it("makes a new tenant and its first key with the bootstrap key; only the digest is stored", async () => {
    const { apiKeys, stores } = memoryServices();
    const { key, secret } = await apiKeys.create(bootstrap, keyInput({ name: "  YourCompany ", scopes: ["admin:users:write", "admin:keys:write"] }));
    expect(key).toMatchObject({ name: "YourCompany", createdBy: "bootstrap", organizationId: "" });
    expect(await stores.tenants.findById(key.tenantId)).toMatchObject({ id: key.tenantId, name: "YourCompany" });
    expect(await stores.apiKeys.findByDigest(hashApiKeySecret(secret, "p".repeat(32)))).toEqual(key);
    const second = await apiKeys.create(bootstrap, keyInput({ name: "Another company" }));
    expect(second.key.tenantId).not.toBe(key.tenantId);
  });

  it("never grants a scope or reach wider than the caller's", async () => {
    const { apiKeys, stores } = memoryServices();
    const caller = admin(undefined, ["admin:keys:write", "admin:users:read"]);
    await stores.organizations.insert({ id: "org_eng", tenantId: caller.tenantId, name: "Eng", createdAt: new Date(), createdBy: "t" });
    const wider = await failure(apiKeys.create(caller, keyInput({ scopes: ["admin:users:write"] })));
    expect(wider.code).toBe("AVNOLOGY_AUTH_100");
    expect((await apiKeys.create(caller, keyInput())).key.scopes).toEqual(["admin:users:read"]);
    // An organization-bound caller's keys are bound to its organization.
    const bound = orgBound(caller.tenantId, "org_eng", ["admin:keys:write", "admin:users:read"]);
    expect((await apiKeys.create(bound, keyInput())).key.organizationId).toBe("org_eng");
    expect((await failure(apiKeys.create(bound, keyInput({ organizationId: "org_other" })))).code).toBe("AVNOLOGY_AUTH_100");
    const unknown = await failure(apiKeys.create(caller, keyInput({ organizationId: "org_missing" })));
    expect({ code: unknown.code, field: unknown.details.field }).toEqual({ code: "AVNOLOGY_AUTH_902", field: "organization_id" });
  });

  it("revokes once, keeps the first instant, and only keys the caller could have made, in its tenant", async () => {
    const { apiKeys } = memoryServices();
    const caller = admin();
    const { key } = await apiKeys.create(caller, keyInput({ scopes: ["admin:users:write"] }));
    const narrow = admin(caller.tenantId, ["admin:keys:write", "admin:users:read"]);
    expect((await failure(apiKeys.revoke(narrow, key.id))).code).toBe("AVNOLOGY_AUTH_100");
    expect((await failure(apiKeys.revoke(admin(), key.id))).code).toBe("AVNOLOGY_AUTH_043");
    const first = await apiKeys.revoke(caller, key.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await apiKeys.revoke(caller, key.id)).revokedAt).toEqual(first.revokedAt);
  });

  it("lists a tenant's keys in pages and no other tenant's", async () => {
    const { apiKeys } = memoryServices();
    const caller = admin();
    for (let i = 0; i < 3; i++) await apiKeys.create(caller, keyInput({ name: `key ${i}` }));
    await apiKeys.create(admin(), keyInput());
    const first = await apiKeys.list(caller, 2, "");
    expect(first.items).toHaveLength(2);
    const rest = await apiKeys.list(caller, 2, first.nextPageToken);
    expect(rest.items).toHaveLength(1);
    expect(rest.nextPageToken).toBe("");
  });

  it("keeps organization ids unique per tenant and refuses organization-bound creators", async () => {
    const { organizations } = memoryServices();
    const [a, b] = [admin(), admin()];
    expect(await organizations.create(a, { name: "Engineering", organizationId: "org_acme" })).toMatchObject({ id: "org_acme", tenantId: a.tenantId });
    const taken = await failure(organizations.create(a, { name: "Again", organizationId: "org_acme" }));
    expect({ code: taken.code, field: taken.details.field }).toEqual({ code: "AVNOLOGY_AUTH_042", field: "organization_id" });
    expect((await organizations.create(b, { name: "B", organizationId: "org_acme" })).tenantId).toBe(b.tenantId);
    expect((await organizations.create(a, { name: "Generated", organizationId: "" })).id).toMatch(/^org_[0-9a-f-]{36}$/);
    expect((await failure(organizations.create(orgBound(a.tenantId, "org_acme"), { name: "x", organizationId: "" }))).code).toBe("AVNOLOGY_AUTH_100");
    expect((await organizations.get(b, "org_acme")).name).toBe("B");
  });
});
