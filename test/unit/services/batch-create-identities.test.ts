// BatchCreateIdentities on the in-memory stores: one result per item in
// request order, every CreateIdentity rule per item with a single create's
// codes and fields, in-batch duplicates on the later item, an item's own
// request_id / validate_only refused on that item, partial success, the
// call refused as a whole only for its size, the password budget charged per
// clear-text item, and a keyed batch's takeover of a run that died.
import { describe, expect, it } from "vitest";
import type { BatchCreateItem, BatchCreateItemResult } from "../../../src/services/identities/index.js";
import { scopes } from "../../../src/auth/caller.js";
import { admin, breachedPassword, failure, fields, memoryServices, orgBound } from "./memory-services.js";
import type { IdentityFields, Identity } from "../../../src/domain/identity.js";
import { plannedItemId, type NewIdPlan } from "../../../src/services/new-id-plan.js";
import type { PasswordBudget } from "../../../src/services/password-budget.js";
import type { OrganizationStore } from "../../../src/store/interfaces.js";

const item = (overrides: Partial<IdentityFields>, extra: Partial<BatchCreateItem> = {}): BatchCreateItem => ({
  fields: fields(overrides),
  initialPassword: "",
  requestId: "",
  validateOnly: false,
  ...extra,
});

/** Each result as [code, field] for an error, or the created email. */
const summary = (results: BatchCreateItemResult[]) =>
  results.map((r) => (r.ok ? r.identity.email : [r.error.code, r.error.details.field]));

describe("BatchCreateIdentities (in memory)", () => {
  it("answers in request order: created, clash with a stored identity, in-batch duplicates on the later item", async () => {
    const { identities, stores } = memoryServices();
    const caller = admin();
    await identities.create(caller, { fields: fields({ email: "stored@example.com", username: "stored" }), initialPassword: "", validateOnly: false });
    const results = await identities.batchCreate(caller, {
      validateOnly: false,
      items: [
        item({ email: "a@example.com", username: "alpha" }),
        item({ email: "Stored@example.com" }),
        item({ email: "A@example.com" }),
        item({ email: "b@example.com", username: "ALPHA" }),
        item({ email: "c@example.com", externalId: "x-1" }),
        item({ email: "d@example.com", externalId: "x-1" }),
        item({ email: "e@example.com", username: "Stored" }),
      ],
    });
    expect(summary(results)).toEqual([
      "a@example.com",
      ["AVNOLOGY_AUTH_014", "email"],
      ["AVNOLOGY_AUTH_014", "email"],
      ["AVNOLOGY_AUTH_015", "username"],
      "c@example.com",
      ["AVNOLOGY_AUTH_016", "external_id"],
      ["AVNOLOGY_AUTH_015", "username"],
    ]);
    expect(results[1]).toMatchObject({ ok: false, error: { details: { value: "Stored@example.com" } } });
    const a = results[0]!;
    if (!a.ok || !("id" in a.identity)) throw new Error("expected a created identity");
    expect(await stores.identities.findById(caller.tenantId, a.identity.id)).toEqual(a.identity);
    expect(await stores.identities.findTaken(caller.tenantId, { email: "b@example.com", username: "", externalId: "" })).toEqual([]);
  });

  it("applies every rule of a single create per item: validation, policy, breach, admin-only fields, password_hash scope", async () => {
    const { identities } = memoryServices();
    const tenantId = `ten_${crypto.randomUUID()}`;
    const writer = admin(tenantId, scopes.filter((s) => s !== "admin:users:import"));
    const results = await identities.batchCreate(writer, {
      validateOnly: false,
      items: [
        item({ email: "not an email" }),
        item({}, { initialPassword: "short" }),
        item({}, { initialPassword: breachedPassword }),
        item({}, { passwordHash: "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" }),
        item({ email: "fine@example.com" }, { initialPassword: "a long passphrase indeed" }),
      ],
    });
    expect(summary(results)).toEqual([
      ["AVNOLOGY_AUTH_902", "email"],
      ["AVNOLOGY_AUTH_011", "initial_password"],
      ["AVNOLOGY_AUTH_010", "initial_password"],
      ["AVNOLOGY_AUTH_100", "password_hash"],
      "fine@example.com",
    ]);
  });

  it("gives the same item error as a single create for an organization-bound caller naming another organization", async () => {
    const { identities } = memoryServices();
    const caller = orgBound(`ten_${crypto.randomUUID()}`, "org_3f0c8e0e-7c63-4a8b-9d47-2b7a2c5f4e11");
    const other = fields({ organizationId: "org_b1c7a6e2-5d1f-4f0a-8d3e-6a9b2c4d8e10" });
    const single = await failure(identities.create(caller, { fields: other, initialPassword: "", validateOnly: false }));
    const [result] = await identities.batchCreate(caller, { validateOnly: false, items: [{ ...item({}), fields: other }] });
    expect(result).toMatchObject({ ok: false, error: { code: single.code, details: single.details } });
  });

  it("refuses an item's own request_id and validate_only on that item (902), the others proceed", async () => {
    const { identities } = memoryServices();
    const results = await identities.batchCreate(admin(), {
      validateOnly: false,
      items: [item({}, { requestId: "3f0c8e0e-7c63-4a8b-9d47-2b7a2c5f4e11" }), item({}, { validateOnly: true }), item({ email: "ok@example.com" })],
    });
    expect(summary(results)).toEqual([["AVNOLOGY_AUTH_902", "request_id"], ["AVNOLOGY_AUTH_902", "validate_only"], "ok@example.com"]);
  });

  it("validate_only: the same results, nothing stored, nothing hashed", async () => {
    const { identities, stores, hashed } = memoryServices();
    const caller = admin();
    const results = await identities.batchCreate(caller, {
      validateOnly: true,
      items: [item({ email: "dry@example.com" }, { initialPassword: "a long passphrase indeed" }), item({ email: "DRY@example.com" })],
    });
    expect(summary(results)).toEqual(["dry@example.com", ["AVNOLOGY_AUTH_014", "email"]]);
    expect(results[0]!.ok && "id" in results[0]!.identity).toBe(false);
    expect(await stores.identities.findTaken(caller.tenantId, { email: "dry@example.com", username: "", externalId: "" })).toEqual([]);
    expect(hashed).not.toContain("a long passphrase indeed");
  });

  it.each([0, 1001])("refuses %i items as a whole: 902 on requests", async (n) => {
    const { identities } = memoryServices();
    const items = Array.from({ length: n }, () => item({}));
    const err = await failure(identities.batchCreate(admin(), { validateOnly: false, items }));
    expect(err).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "requests" } });
  });

  it("answers 950 on the items beyond the hasher's queue, the others are created", async () => {
    const { identities } = memoryServices({}, { memoryCost: 1024, timeCost: 1, parallelism: 1, maxConcurrent: 1, maxQueue: 1 });
    const items = Array.from({ length: 4 }, (_, i) => item({ email: `q${i}@example.com` }, { initialPassword: `a long passphrase number ${i}` }));
    const results = await identities.batchCreate(admin(), { validateOnly: false, items });
    const codes = results.map((r) => (r.ok ? "created" : r.error.code));
    expect(codes.filter((c) => c === "created").length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((c) => c !== "created").every((c) => c === "AVNOLOGY_AUTH_950")).toBe(true);
    expect(codes).toContain("AVNOLOGY_AUTH_950");
  });

  it("hands the hasher a few clear-text items at a time: 60 items through a queue of 8, none refused", async () => {
    const { identities, hashed } = memoryServices({}, { memoryCost: 1024, timeCost: 1, parallelism: 1, maxConcurrent: 1, maxQueue: 8 });
    const items = Array.from({ length: 60 }, (_, i) => item({ email: `many${i}@example.com` }, { initialPassword: `a long passphrase number ${i}` }));
    const results = await identities.batchCreate(admin(), { validateOnly: false, items });
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual([]);
    expect(hashed.filter((p) => p.startsWith("a long passphrase number "))).toHaveLength(60);
  });

  describe("the password budget", () => {
    /** A budget of `tokens` takes; then refused with a 3 s hint. */
    const budgetOf = (tokens: number) => {
      const taken = { count: 0 };
      const budget: PasswordBudget = {
        take: () => (++taken.count <= tokens ? { allowed: true } : { allowed: false, retryAfterSeconds: 3 }),
      };
      return { budget, taken };
    };
    const clearText = (i: number) => item({ email: `p${i}@example.com` }, { initialPassword: `a long passphrase number ${i}` });
    const preHashed = (i: number) => item({ email: `h${i}@example.com` }, { passwordHash: "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" });

    it("charges one token per clear-text item in item order; items beyond it answer 021 with the hint, the others are created", async () => {
      const { identities, hashed } = memoryServices();
      const { budget, taken } = budgetOf(2);
      const results = await identities.batchCreate(admin(), {
        validateOnly: false,
        passwordBudget: budget,
        items: [clearText(0), preHashed(1), item({ email: "no-password@example.com" }), clearText(3), clearText(4), item({ email: "bad" }, { initialPassword: "x" }), clearText(6)],
      });
      expect(summary(results)).toEqual([
        "p0@example.com",
        "h1@example.com",
        "no-password@example.com",
        "p3@example.com",
        ["AVNOLOGY_AUTH_021", undefined],
        ["AVNOLOGY_AUTH_902", "email"],
        ["AVNOLOGY_AUTH_021", undefined],
      ]);
      expect(results[4]).toMatchObject({ ok: false, error: { details: { retryAfterSeconds: 3 } } });
      // Two tokens taken, two refusals asked: the invalid and the pre-hashed items took none.
      expect(taken.count).toBe(4);
      expect(hashed).not.toContain("a long passphrase number 4");
      expect(hashed).not.toContain("a long passphrase number 6");
    });

    it("is not charged by validate_only", async () => {
      const { identities } = memoryServices();
      const { budget, taken } = budgetOf(0);
      const results = await identities.batchCreate(admin(), { validateOnly: true, passwordBudget: budget, items: [clearText(0), clearText(1)] });
      expect(summary(results)).toEqual(["p0@example.com", "p1@example.com"]);
      expect(taken.count).toBe(0);
    });
  });

  it("reads an organization named by many items once", async () => {
    const base = memoryServices();
    const tenantId = `ten_${crypto.randomUUID()}`;
    const organization = await base.organizations.create(admin(tenantId), { name: "Acme", organizationId: "" });
    let reads = 0;
    const counting: OrganizationStore = {
      ...base.stores.organizations,
      exists: (...args) => {
        reads++;
        return base.stores.organizations.exists(...args);
      },
    };
    const { identities } = memoryServices({ ...base.stores, organizations: counting });
    const items = Array.from({ length: 20 }, (_, i) => item({ email: `o${i}@example.com`, organizationId: organization.id }));
    const results = await identities.batchCreate(admin(tenantId), { validateOnly: false, items });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(reads).toBe(1);
  });

  describe("a keyed batch", () => {
    /** A plan as the idempotency step gives it: what a dead run recorded, and what this run records. */
    const planOf = (plannedId: string | undefined) => {
      const recorded: string[] = [];
      const plan: NewIdPlan = { plannedId, plan: async (id) => void recorded.push(id) };
      return { plan, recorded };
    };
    const createdIds = (results: BatchCreateItemResult[]) => results.map((r) => (r.ok && "id" in r.identity ? r.identity.id : undefined));

    it("records one seed before writing and derives every item's id from it", async () => {
      const { identities, stores } = memoryServices();
      const caller = admin();
      const { plan, recorded } = planOf(undefined);
      const results = await identities.batchCreate(caller, { validateOnly: false, newIdPlan: plan, items: [item({}), item({ email: "bad" }), item({})] });
      expect(recorded).toHaveLength(1);
      const seed = recorded[0]!;
      expect(createdIds(results)).toEqual([plannedItemId(seed, 0), undefined, plannedItemId(seed, 2)]);
      expect(await stores.identities.findById(caller.tenantId, plannedItemId(seed, 2))).not.toBeNull();
    });

    it("taking over a dead run: the identities it created are this call's, the rest are created under their planned ids", async () => {
      const { identities, stores } = memoryServices();
      const caller = admin();
      const seed = "usr_3f0c8e0e-7c63-4a8b-9d47-2b7a2c5f4e11";
      const items = [0, 1, 2, 3].map((i) => item({}, { initialPassword: `a long passphrase number ${i}` }));
      // The dead run wrote items 0 and 2 before it died.
      const deadRunWrote: Identity[] = [];
      for (const index of [0, 2]) {
        const identity: Identity = {
          ...(await identities.batchCreate(caller, { validateOnly: true, items: [items[index]!] }).then((r) => (r[0]!.ok ? r[0]!.identity : fields()))),
          id: plannedItemId(seed, index),
          tenantId: caller.tenantId,
          createdAt: new Date(Date.now() - 60_000),
          updatedAt: null,
          createdBy: caller.subject,
          updatedBy: "",
          version: 1,
        } as Identity;
        expect(await stores.identities.insert(identity, null)).toEqual({ ok: true });
        deadRunWrote.push(identity);
      }
      const { plan, recorded } = planOf(seed);
      // Only the two items the dead run did not write hash a password: two tokens are enough.
      const budget = { left: 2, take: () => (budget.left-- > 0 ? { allowed: true as const } : { allowed: false as const, retryAfterSeconds: 1 }) };
      const results = await identities.batchCreate(caller, { validateOnly: false, newIdPlan: plan, passwordBudget: budget, items });
      expect(recorded).toEqual([]);
      expect(summary(results)).toEqual(items.map((i) => i.fields.email));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(createdIds(results)).toEqual([0, 1, 2, 3].map((i) => plannedItemId(seed, i)));
      expect(results[0]).toMatchObject({ ok: true, identity: { createdAt: deadRunWrote[0]!.createdAt } });
      expect(results[2]).toMatchObject({ ok: true, identity: { createdAt: deadRunWrote[1]!.createdAt } });
      for (const [index, request] of items.entries()) {
        const taken = await stores.identities.findTaken(caller.tenantId, { email: request.fields.email, username: "", externalId: "" });
        expect(taken, `item ${index}`).toEqual(["email"]);
      }
    });
  });
});
