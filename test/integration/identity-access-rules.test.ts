// The access rules of the identity use cases, at the service level with
// constructed callers (org-bound, read-only, another tenant) against the real
// store and database; plus the password verify paths (decoy, rehash).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopes, type Caller, type Scope } from "../../src/auth/caller.js";
import { IdentityService as IdentityRpcs } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { isTenantAdmin } from "../../src/auth/permissions.js";
import type { AppError } from "../../src/domain/errors.js";
import { emptyIdentityFields, type IdentityFields } from "../../src/domain/identity.js";
import { createBreachChecker } from "../../src/passwords/breach-checker.js";
import { loadBreachedList } from "../../src/passwords/breached-list.js";
import { parseArgon2Params } from "../../src/passwords/argon2-params.js";
import { createDecoyHash, createPasswordHasher, defaultHasherOptions } from "../../src/passwords/hasher.js";
import { createIdentityService, type IdentityUseCases, type ListIdentitiesInput } from "../../src/services/identities/index.js";
import { createIdentityStore, type IdentityStore } from "../../src/store/identity-store.js";
import { connectDatabase, type Database } from "../../src/store/mongo.js";
import { createOrganizationStore, type OrganizationStore } from "../../src/store/organization-store.js";
import { identityToMessage } from "../../src/transport/connect/identity-convert.js";
import { scopeStep } from "../../src/transport/pipeline/scope-step.js";
import { freshDatabaseUri } from "../support/test-server.js";

const tenant = "ten_rules";
const caller = (over: Partial<Caller> & { scopes?: ReadonlySet<Scope> } = {}): Caller => ({
  kind: "api_key",
  subject: "key_admin",
  tenantId: tenant,
  scopes: new Set(scopes),
  ...over,
});
const admin = caller();
const orgA = caller({ subject: "key_org_a", organizationId: "org_a" });
const readOnly = caller({ subject: "key_ro", scopes: new Set<Scope>(["admin:users:read"]) });
const otherTenant = caller({ subject: "key_other", tenantId: "ten_other" });

let database: Database;
let store: IdentityStore;
let organizations: OrganizationStore;
let service: IdentityUseCases;
let decoyCalls = 0;
const policy = { minLength: 8, maxLength: 256 };

const fields = (over: Partial<IdentityFields>): IdentityFields => ({ ...emptyIdentityFields(), ...over });
const noFilter: ListIdentitiesInput = {
  pageSize: 0, pageToken: "", email: "", username: "", organizationId: "", externalId: "", state: "",
  createdAfter: undefined, createdBefore: undefined,
};
async function rejection(p: Promise<unknown>): Promise<AppError> {
  return p.then(
    () => { throw new Error("expected a rejection"); },
    (e: AppError) => e,
  );
}
async function create(who: Caller, over: Partial<IdentityFields>, password = "") {
  const result = await service.create(who, { fields: fields(over), initialPassword: password, validateOnly: false });
  if (!result.created) throw new Error("not created");
  return result.identity;
}

beforeAll(async () => {
  database = await connectDatabase(freshDatabaseUri());
  store = await createIdentityStore(database.db);
  organizations = await createOrganizationStore(database.db);
  for (const id of ["org_a", "org_b"]) {
    await organizations.insert({ id, tenantId: tenant, name: id, createdAt: new Date(), createdBy: "key_admin" });
  }
  const hasher = createPasswordHasher();
  const decoy = createDecoyHash(hasher);
  service = createIdentityService({
    store,
    organizations,
    hasher,
    breach: createBreachChecker({ list: await loadBreachedList(), failOpen: true, timeoutMs: 2_000 }),
    passwordPolicy: policy,
    decoyHash: () => {
      decoyCalls++;
      return decoy();
    },
  });
});
afterAll(async () => {
  await database?.db.dropDatabase().catch(() => undefined);
  await database?.close();
});

describe("org-bound callers", () => {
  it("see and change only their organization's identities; others read like missing ones", async () => {
    const mine = await create(admin, { email: "mine@a.example.com", organizationId: "org_a" });
    const theirs = await create(admin, { email: "theirs@b.example.com", organizationId: "org_b" });
    const tenantWide = await create(admin, { email: "nobody@example.com" });

    expect((await service.get(orgA, mine.id)).id).toBe(mine.id);
    for (const id of [theirs.id, tenantWide.id]) {
      expect((await rejection(service.get(orgA, id))).code).toBe("AVNOLOGY_AUTH_040");
      const update = service.update(orgA, { id, values: fields({ firstName: "X" }), maskPaths: ["first_name"], etag: "", validateOnly: false });
      expect((await rejection(update)).code).toBe("AVNOLOGY_AUTH_040");
      expect((await rejection(service.delete(orgA, { id, etag: "" }))).code).toBe("AVNOLOGY_AUTH_040");
      expect((await rejection(service.setPassword(orgA, id, "a long passphrase here"))).code).toBe("AVNOLOGY_AUTH_040");
      expect(await store.findById(tenant, id)).not.toBeNull();
    }

    const page = await service.list(orgA, noFilter);
    expect(page.identities.map((i) => i.id)).toEqual([mine.id]);
    const elsewhere = await rejection(service.list(orgA, { ...noFilter, organizationId: "org_b" }));
    expect(elsewhere.code).toBe("AVNOLOGY_AUTH_100");
    // A tenant-wide admin sees all three.
    expect((await service.list(admin, noFilter)).identities.map((i) => i.id)).toEqual(
      expect.arrayContaining([mine.id, theirs.id, tenantWide.id]),
    );
  });

  it("cannot move an identity out of their organization nor write admin-only fields", async () => {
    const mine = await create(admin, { email: "stay@a.example.com", organizationId: "org_a" });
    const move = await rejection(
      service.update(orgA, { id: mine.id, values: fields({ organizationId: "org_b" }), maskPaths: ["organization_id"], etag: "", validateOnly: false }),
    );
    expect(move.code).toBe("AVNOLOGY_AUTH_100");
    for (const [path, over] of [
      ["admin_metadata", { adminMetadata: { tier: "gold" } }],
      ["state", { state: "inactive" }],
      ["email_verified", { emailVerified: true }],
    ] as const) {
      const err = await rejection(
        service.update(orgA, { id: mine.id, values: fields(over), maskPaths: [path], etag: "", validateOnly: false }),
      );
      expect(err.code).toBe("AVNOLOGY_AUTH_100");
      expect(err.details.field).toBe(path);
    }
    const ok = await service.update(orgA, { id: mine.id, values: fields({ firstName: "Own" }), maskPaths: ["first_name"], etag: "", validateOnly: false });
    expect(ok).toMatchObject({ firstName: "Own", organizationId: "org_a", updatedBy: "key_org_a" });
  });

  it("verify passwords only of their organization's identities (others answer false, via the decoy)", async () => {
    const theirs = await create(admin, { email: "pw.theirs@b.example.com", organizationId: "org_b" }, "their secret passphrase");
    const before = decoyCalls;
    expect((await service.verifyPassword(orgA, { email: "", id: theirs.id, password: "their secret passphrase" })).valid).toBe(false);
    expect(decoyCalls).toBe(before + 1);
    expect((await service.verifyPassword(admin, { email: "", id: theirs.id, password: "their secret passphrase" })).valid).toBe(true);
  });
});

describe("admin_metadata", () => {
  it("is written by tenant admins and shown only to them", async () => {
    const created = await create(admin, { email: "meta@a.example.com", organizationId: "org_a" });
    const updated = await service.update(admin, {
      id: created.id, values: fields({ adminMetadata: { tier: "gold" } }), maskPaths: ["admin_metadata"], etag: "", validateOnly: false,
    });
    expect(updated.adminMetadata).toEqual({ tier: "gold" });
    const asSeenBy = (who: Caller) => identityToMessage(updated, { includeAdminMetadata: isTenantAdmin(who) }).adminMetadata;
    expect(asSeenBy(admin)).toEqual({ tier: "gold" });
    expect(asSeenBy(orgA)).toBeUndefined();
    expect(asSeenBy(readOnly)).toBeUndefined();
  });
});

describe("read-only keys", () => {
  it("read and list, verify passwords, but cannot update, delete or set passwords", async () => {
    const created = await create(admin, { email: "ro.target@example.com" });
    // Each RPC's scope is declared in the proto and checked by the method
    // pipeline before the service runs: the read RPCs pass it, the writes not.
    for (const method of [IdentityRpcs.method.getIdentity, IdentityRpcs.method.listIdentities, IdentityRpcs.method.verifyPassword]) {
      expect(() => scopeStep(method)!(readOnly)).not.toThrow();
    }
    expect((await service.get(readOnly, created.id)).id).toBe(created.id);
    expect((await service.list(readOnly, { ...noFilter, email: "ro.target@example.com" })).identities).toHaveLength(1);
    expect((await service.verifyPassword(readOnly, { email: "ro.target@example.com", id: "", password: "whatever it is" })).valid).toBe(false);
    for (const method of [IdentityRpcs.method.updateIdentity, IdentityRpcs.method.deleteIdentity, IdentityRpcs.method.setPassword]) {
      const err = await rejection((async () => scopeStep(method)!(readOnly))());
      expect(err.code).toBe("AVNOLOGY_AUTH_100");
      expect(err.details.metadata).toEqual({ required_scope: "admin:users:write" });
    }
    expect((await store.findById(tenant, created.id))?.firstName).toBe("");
  });
});

describe("tenants", () => {
  it("another tenant's identities are missing and never listed", async () => {
    const created = await create(admin, { email: "tenant.scoped@example.com" });
    expect((await rejection(service.get(otherTenant, created.id))).code).toBe("AVNOLOGY_AUTH_040");
    expect((await rejection(service.delete(otherTenant, { id: created.id, etag: "" }))).code).toBe("AVNOLOGY_AUTH_040");
    expect((await service.list(otherTenant, noFilter)).identities).toEqual([]);
    const sameEmail = await create(otherTenant, { email: "tenant.scoped@example.com" });
    expect(sameEmail.tenantId).toBe("ten_other");
  });
});

describe("VerifyPassword", () => {
  it("uses the decoy hash for unknown identities and identities without a password", async () => {
    const noPassword = await create(admin, { email: "no.password@example.com" });
    const before = decoyCalls;
    expect((await service.verifyPassword(admin, { email: "unknown.person@example.com", id: "", password: "anything at all" })).valid).toBe(false);
    expect((await service.verifyPassword(admin, { email: "", id: noPassword.id, password: "anything at all" })).valid).toBe(false);
    expect(decoyCalls).toBe(before + 2);
  });

  it("upgrades a hash made with weaker parameters on a successful verify, and only then", async () => {
    const weakHasher = createPasswordHasher({ ...defaultHasherOptions, memoryCost: 8192, timeCost: 1 });
    const weakService = createIdentityService({
      store, organizations, hasher: weakHasher, breach: { isBreached: async () => false }, passwordPolicy: policy,
    });
    const created = await weakService.create(admin, {
      fields: fields({ email: "rehash.me@example.com" }), initialPassword: "an old weak-hash passphrase", validateOnly: false,
    });
    const id = (created.identity as { id: string }).id;
    const storedHash = async () => (await store.findCredentials(tenant, { id }))!.passwordHash!;
    const weak = await storedHash();
    expect(parseArgon2Params(weak)).toMatchObject({ m: 8192, t: 1 });

    const wrong = await service.verifyPassword(admin, { email: "", id, password: "not the passphrase" });
    expect(wrong).toEqual({ valid: false, rehashed: false });
    expect(await storedHash()).toBe(weak);

    const right = await service.verifyPassword(admin, { email: "rehash.me@example.com", id: "", password: "an old weak-hash passphrase" });
    expect(right).toEqual({ valid: true, rehashed: true });
    const upgraded = await storedHash();
    expect(parseArgon2Params(upgraded)).toMatchObject({ m: 19456, t: 2, p: 1 });
    // The resource did not change: same version (etag).
    expect((await store.findById(tenant, id))?.version).toBe(1);

    expect(await service.verifyPassword(admin, { email: "", id, password: "an old weak-hash passphrase" })).toEqual({ valid: true, rehashed: false });
  });
});
