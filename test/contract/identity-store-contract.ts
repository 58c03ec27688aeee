// What every IdentityStore promises (src/store/identity-store.ts declares
// the interface): uniqueness of email / username / external_id per tenant,
// tenant isolation, version-guarded writes of which exactly one of several
// concurrent writers wins, and keyset pages in (created_at, id) order. Run by
// the MongoDB store (test/integration/store-contracts.test.ts) and the
// in-memory store (test/unit/store/memory-store-contracts.test.ts).
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../../src/domain/identity.js";
import type { IdentityStore } from "../../src/store/interfaces.js";

const t0 = new Date("2026-03-01T00:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** A tenant of its own for every test, so tests share one store without seeing each other. */
const newTenant = () => `ten_${randomUUID()}`;

export function identity(tenantId: string, overrides: Partial<Identity> = {}): Identity {
  const id = overrides.id ?? `usr_${randomUUID()}`;
  return {
    id,
    tenantId,
    email: `${id}@example.com`,
    username: "",
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: "",
    phone: "",
    organizationId: "",
    locale: "",
    timezone: "",
    externalId: "",
    traits: undefined,
    adminMetadata: undefined,
    metadata: undefined,
    emailVerified: false,
    phoneVerified: false,
    state: "active",
    createdAt: t0,
    updatedAt: null,
    createdBy: "key_test",
    updatedBy: "",
    version: 1,
    ...overrides,
  };
}

export function describeIdentityStore(implementation: string, make: () => Promise<IdentityStore>): void {
  describe(`IdentityStore contract: ${implementation}`, () => {
    let store: IdentityStore;
    beforeAll(async () => {
      store = await make();
    });

    async function inserted(tenantId: string, overrides: Partial<Identity> = {}, hash: string | null = null): Promise<Identity> {
      const row = identity(tenantId, overrides);
      expect(await store.insert(row, hash)).toEqual({ ok: true });
      return row;
    }

    it("stores every field and finds it only in its tenant", async () => {
      const tenant = newTenant();
      const row = await inserted(tenant, {
        username: "Ada.L",
        displayName: "Ada L.",
        phone: "+14155551234",
        organizationId: "org_eng",
        locale: "en-GB",
        timezone: "Europe/London",
        externalId: "crm-1",
        traits: { department: "Engineering", levels: [1, 2], nested: { ok: true, none: null } },
        adminMetadata: { tier: "gold" },
        metadata: { theme: "dark" },
        emailVerified: true,
        phoneVerified: true,
        state: "inactive",
        updatedAt: at(5),
        updatedBy: "key_other",
        version: 3,
      });
      expect(await store.findById(tenant, row.id)).toEqual(row);
      expect(await store.findById(newTenant(), row.id)).toBeNull();
      expect(await store.findById(tenant, "usr_missing")).toBeNull();
    });

    it("keeps email (case-insensitive), username (case-insensitive) and external_id unique per tenant", async () => {
      const tenant = newTenant();
      await inserted(tenant, { email: "Jane@Example.com", username: "Jane", externalId: "crm-7" });
      const clash = (overrides: Partial<Identity>) => store.insert(identity(tenant, overrides), null);
      expect(await clash({ email: "jane@example.COM" })).toEqual({ ok: false, conflict: "email" });
      expect(await clash({ username: "JANE" })).toEqual({ ok: false, conflict: "username" });
      expect(await clash({ externalId: "crm-7" })).toEqual({ ok: false, conflict: "external_id" });
      // The same values in another tenant are free.
      expect(await store.insert(identity(newTenant(), { email: "jane@example.com", username: "jane", externalId: "crm-7" }), null)).toEqual({
        ok: true,
      });
    });

    it("inserts many in one unordered write, each clash reported on the item that lost it", async () => {
      const tenant = newTenant();
      await inserted(tenant, { email: "stored@example.com", username: "stored", externalId: "crm-stored" });
      const items = [
        identity(tenant, { email: "one@example.com" }),
        identity(tenant, { email: "STORED@example.com" }),
        identity(tenant, { email: "two@example.com", username: "Stored" }),
        identity(tenant, { email: "three@example.com", externalId: "crm-stored" }),
        identity(tenant, { email: "four@example.com", username: "four" }),
      ];
      const results = await store.insertMany(items.map((row, i) => ({ identity: row, passwordHash: i === 0 ? "$argon2id$hash" : null })));
      expect(results).toEqual([
        { ok: true },
        { ok: false, conflict: "email" },
        { ok: false, conflict: "username" },
        { ok: false, conflict: "external_id" },
        { ok: true },
      ]);
      expect(await store.findById(tenant, items[0]!.id)).toEqual(items[0]);
      expect(await store.findById(tenant, items[4]!.id)).toEqual(items[4]);
      expect(await store.findById(tenant, items[1]!.id)).toBeNull();
      expect((await store.findCredentials(tenant, { id: items[0]!.id }))?.passwordHash).toBe("$argon2id$hash");
      expect(await store.insertMany([])).toEqual([]);
    });

    it("lets any number of identities go without username and external_id", async () => {
      const tenant = newTenant();
      for (let i = 0; i < 3; i++) await inserted(tenant);
      expect(await store.findTaken(tenant, { email: "nobody@example.com", username: "", externalId: "" })).toEqual([]);
    });

    it("reports which unique values are taken, in field order, not counting an excluded identity", async () => {
      const tenant = newTenant();
      const a = await inserted(tenant, { email: "a@example.com", username: "alpha", externalId: "x-1" });
      await inserted(tenant, { email: "b@example.com" });
      const values = { email: "B@example.com", username: "ALPHA", externalId: "x-1" };
      expect(await store.findTaken(tenant, values)).toEqual(["email", "username", "external_id"]);
      expect(await store.findTaken(tenant, values, a.id)).toEqual(["email"]);
      expect(await store.findTaken(newTenant(), values)).toEqual([]);
    });

    it("updates only at the expected version, in the identity's tenant, keeping creation and the password", async () => {
      const tenant = newTenant();
      const row = await inserted(tenant, {}, "$argon2id$v=19$old");
      const next = { ...row, displayName: "Countess", createdAt: at(99), createdBy: "someone", updatedAt: at(1), updatedBy: "key_u", version: 2 };
      expect(await store.update({ ...next, tenantId: newTenant() }, 1)).toEqual({ ok: false, stale: true });
      expect(await store.update(next, 7)).toEqual({ ok: false, stale: true });
      expect(await store.update({ ...next, id: "usr_missing" }, 1)).toEqual({ ok: false, stale: true });
      expect(await store.update(next, 1)).toEqual({ ok: true });
      expect(await store.update({ ...next, version: 3 }, 1)).toEqual({ ok: false, stale: true });
      expect(await store.findById(tenant, row.id)).toEqual({ ...next, createdAt: row.createdAt, createdBy: row.createdBy });
      expect((await store.findCredentials(tenant, { id: row.id }))?.passwordHash).toBe("$argon2id$v=19$old");
    });

    it("refuses an update that takes another identity's unique value, and changes nothing", async () => {
      const tenant = newTenant();
      await inserted(tenant, { email: "taken@example.com", username: "taken", externalId: "ext-taken" });
      const row = await inserted(tenant);
      for (const [field, change] of [
        ["email", { email: "TAKEN@example.com" }],
        ["username", { username: "Taken" }],
        ["external_id", { externalId: "ext-taken" }],
      ] as const) {
        expect(await store.update({ ...row, ...change, version: 2 }, 1)).toEqual({ ok: false, stale: false, conflict: field });
      }
      expect(await store.findById(tenant, row.id)).toEqual(row);
      // Its own values are not a clash.
      expect(await store.update({ ...row, email: row.email.toUpperCase(), version: 2 }, 1)).toEqual({ ok: true });
    });

    it("lets exactly one of 10 concurrent writers at the same version win", async () => {
      const tenant = newTenant();
      const row = await inserted(tenant);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.update({ ...row, displayName: `writer ${i}`, version: 2 }, 1)),
      );
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.stale)).toHaveLength(9);
      expect(await store.findById(tenant, row.id)).toMatchObject({ displayName: `writer ${winners[0]}`, version: 2 });
    });

    it("deletes only what matches the tenant, organization and version guards", async () => {
      const tenant = newTenant();
      const row = await inserted(tenant, { organizationId: "org_a", version: 4 });
      expect(await store.delete(newTenant(), row.id, {})).toBe(false);
      expect(await store.delete(tenant, row.id, { organizationId: "org_b" })).toBe(false);
      expect(await store.delete(tenant, row.id, { version: 3 })).toBe(false);
      expect(await store.findById(tenant, row.id)).not.toBeNull();
      expect(await store.delete(tenant, row.id, { organizationId: "org_a", version: 4 })).toBe(true);
      expect(await store.findById(tenant, row.id)).toBeNull();
      expect(await store.delete(tenant, row.id, {})).toBe(false);
      const unguarded = await inserted(tenant);
      expect(await store.delete(tenant, unguarded.id, {})).toBe(true);
    });

    it("sets a password hash at the expected version only, as a new version", async () => {
      const tenant = newTenant();
      const row = await inserted(tenant, { email: "Pass@Example.com" });
      const change = { passwordHash: "$argon2id$new", updatedAt: at(10), updatedBy: "key_p" };
      expect(await store.setPasswordHash(tenant, row.id, 2, change)).toBe(false);
      expect(await store.setPasswordHash(newTenant(), row.id, 1, change)).toBe(false);
      expect(await store.setPasswordHash(tenant, row.id, 1, change)).toBe(true);
      expect(await store.setPasswordHash(tenant, row.id, 1, change)).toBe(false);
      const stored = await store.findCredentials(tenant, { email: "pass@example.COM" });
      expect(stored).toEqual({ identity: { ...row, updatedAt: at(10), updatedBy: "key_p", version: 2 }, passwordHash: "$argon2id$new" });
    });

    it("finds credentials by id or normalised email in the tenant only", async () => {
      const tenant = newTenant();
      const withHash = await inserted(tenant, { email: "hash@example.com" }, "$argon2id$h");
      const without = await inserted(tenant);
      expect(await store.findCredentials(tenant, { id: withHash.id })).toEqual({ identity: withHash, passwordHash: "$argon2id$h" });
      expect(await store.findCredentials(tenant, { email: " HASH@example.com " })).toEqual({ identity: withHash, passwordHash: "$argon2id$h" });
      expect(await store.findCredentials(tenant, { id: without.id })).toEqual({ identity: without, passwordHash: null });
      expect(await store.findCredentials(newTenant(), { email: "hash@example.com" })).toBeNull();
      expect(await store.findCredentials(tenant, { id: "usr_missing" })).toBeNull();
    });

    it("replaces a hash only while it is still the one verified, without a new version", async () => {
      const tenant = newTenant();
      const row = await inserted(tenant, {}, "$old");
      expect(await store.replacePasswordHash(tenant, row.id, 1, "$other", "$new")).toBe(false);
      expect(await store.replacePasswordHash(tenant, row.id, 2, "$old", "$new")).toBe(false);
      expect(await store.replacePasswordHash(newTenant(), row.id, 1, "$old", "$new")).toBe(false);
      expect(await store.replacePasswordHash(tenant, row.id, 1, "$old", "$new")).toBe(true);
      expect(await store.findCredentials(tenant, { id: row.id })).toEqual({ identity: row, passwordHash: "$new" });
    });

    it("lists oldest first, ties by id, strictly after the cursor, in keyset pages", async () => {
      const tenant = newTenant();
      const rows: Identity[] = [];
      // Three instants, three identities each: ties on created_at are ordered by id.
      for (let i = 0; i < 9; i++) rows.push(await inserted(tenant, { id: `usr_${String(8 - i)}_${randomUUID()}`, createdAt: at(Math.floor(i / 3) * 1000) }));
      await inserted(newTenant()); // another tenant's identity never shows
      const expected = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
      const all = await store.listPage(tenant, {}, undefined, 100);
      expect(all.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      const seen: string[] = [];
      let cursor: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await store.listPage(tenant, {}, cursor, 2);
        seen.push(...page.map((r) => r.id));
        if (page.length < 2) break;
        const last = page[page.length - 1] as Identity;
        cursor = { createdAt: last.createdAt, id: last.id };
      }
      expect(seen).toEqual(expected.map((r) => r.id));
      expect(all[0]).toEqual(expected[0]); // full identities, as stored
    });

    it("filters lists by every filter the API accepts", async () => {
      const tenant = newTenant();
      const a = await inserted(tenant, { email: "a@example.com", username: "Anna", organizationId: "org_1", externalId: "e-a", createdAt: at(0) });
      const b = await inserted(tenant, { email: "b@example.com", organizationId: "org_1", state: "inactive", createdAt: at(1000) });
      const c = await inserted(tenant, { email: "c@example.com", organizationId: "org_2", createdAt: at(2000) });
      const ids = async (filter: Parameters<IdentityStore["listPage"]>[1]) => (await store.listPage(tenant, filter, undefined, 100)).map((r) => r.id);
      expect(await ids({ organizationId: "org_1" })).toEqual([a.id, b.id]);
      expect(await ids({ state: "inactive" })).toEqual([b.id]);
      expect(await ids({ organizationId: "org_1", state: "active" })).toEqual([a.id]);
      expect(await ids({ email: "A@EXAMPLE.com" })).toEqual([a.id]);
      expect(await ids({ email: "a@example.com", organizationId: "org_2" })).toEqual([]);
      expect(await ids({ username: "anna" })).toEqual([a.id]);
      expect(await ids({ externalId: "e-a" })).toEqual([a.id]);
      expect(await ids({ createdAfter: at(1000) })).toEqual([b.id, c.id]); // inclusive
      expect(await ids({ createdBefore: at(2000) })).toEqual([a.id, b.id]); // exclusive
      expect(await ids({ createdAfter: at(500), createdBefore: at(1500) })).toEqual([b.id]);
    });
  });
}
