// UpdateIdentity on the in-memory stores: the retry loop of writes without
// an etag (another writer between the read and the guarded write), etags,
// validate_only, and the rules that depend on data. A store wrapper plays
// the other writer deterministically, which a database test can only hope
// to provoke.
import { describe, expect, it } from "vitest";
import { etagOf } from "../../../src/domain/etag.js";
import type { Identity, IdentityFields } from "../../../src/domain/identity.js";
import type { IdentityStore } from "../../../src/store/interfaces.js";
import { maxUnconditionalAttempts } from "../../../src/services/identities/visible-identity.js";
import { admin, failure, fields, memoryServices, orgBound } from "./memory-services.js";

/** An identity store where another writer changes `field` before each of the first `times` guarded updates. */
function withInterferingWriter(times: number) {
  const base = memoryServices();
  const interference = { left: times, writes: 0 };
  const store: IdentityStore = {
    ...base.stores.identities,
    async update(next, expectedVersion) {
      if (interference.left > 0) {
        interference.left--;
        const current = (await base.stores.identities.findById(next.tenantId, next.id)) as Identity;
        const other = { ...current, lastName: `Other ${++interference.writes}`, version: current.version + 1 };
        expect(await base.stores.identities.update(other, current.version)).toEqual({ ok: true });
      }
      return base.stores.identities.update(next, expectedVersion);
    },
  };
  return { ...memoryServices({ ...base.stores, identities: store }), interference };
}

async function createdIn(services: ReturnType<typeof memoryServices>, caller = admin(), values: Partial<IdentityFields> = {}) {
  const result = await services.identities.create(caller, { fields: fields({ firstName: "Ada", ...values }), initialPassword: "", validateOnly: false });
  if (!result.created) throw new Error("expected a created identity");
  return { caller, identity: result.identity };
}

const update = (id: string, values: Partial<IdentityFields>, extra: { etag?: string; validateOnly?: boolean; mask?: string[] } = {}) => ({
  id,
  values: fields(values),
  maskPaths: extra.mask ?? Object.keys(values).map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
  etag: extra.etag ?? "",
  validateOnly: extra.validateOnly ?? false,
});

describe("UpdateIdentity (in memory)", () => {
  it("without an etag, retries on a fresh read after losing a race, keeping the other writer's field", async () => {
    const services = withInterferingWriter(3);
    const { caller, identity } = await createdIn(services);
    const updated = await services.identities.update(caller, update(identity.id, { displayName: "Countess" }));
    expect(updated).toMatchObject({ displayName: "Countess", lastName: "Other 3", version: 5 });
    expect(await services.stores.identities.findById(caller.tenantId, identity.id)).toEqual(updated);
  });

  it("without an etag, gives up with 050 after the retries are spent", async () => {
    const services = withInterferingWriter(maxUnconditionalAttempts);
    const { caller, identity } = await createdIn(services);
    const err = await failure(services.identities.update(caller, update(identity.id, { displayName: "Never" })));
    expect(err.code).toBe("AVNOLOGY_AUTH_050");
    expect(services.interference.writes).toBe(maxUnconditionalAttempts);
  });

  it("with an etag, answers 050 instead of retrying when another writer got in between", async () => {
    const services = withInterferingWriter(1);
    const { caller, identity } = await createdIn(services);
    const err = await failure(services.identities.update(caller, update(identity.id, { displayName: "Late" }, { etag: etagOf(identity.version) })));
    expect({ code: err.code, field: err.details.field }).toEqual({ code: "AVNOLOGY_AUTH_050", field: "etag" });
    expect((await services.stores.identities.findById(caller.tenantId, identity.id))?.displayName).toBe("");
  });

  it("answers 404 when the identity was deleted between the read and the write", async () => {
    const base = memoryServices();
    const store: IdentityStore = {
      ...base.stores.identities,
      async update(next, expectedVersion) {
        await base.stores.identities.delete(next.tenantId, next.id, {});
        return base.stores.identities.update(next, expectedVersion);
      },
    };
    const services = memoryServices({ ...base.stores, identities: store });
    const { caller, identity } = await createdIn(services);
    expect((await failure(services.identities.update(caller, update(identity.id, { displayName: "Gone" })))).code).toBe("AVNOLOGY_AUTH_040");
  });

  it("writes at the etag's version, then refuses the same etag", async () => {
    const services = memoryServices();
    const { caller, identity } = await createdIn(services);
    const etag = etagOf(identity.version);
    expect(await services.identities.update(caller, update(identity.id, { displayName: "First" }, { etag }))).toMatchObject({ version: 2 });
    expect((await failure(services.identities.update(caller, update(identity.id, { displayName: "Second" }, { etag })))).code).toBe("AVNOLOGY_AUTH_050");
  });

  it("validate_only answers the identity after the change and stores nothing, with the same uniqueness rule", async () => {
    const services = memoryServices();
    const { caller, identity } = await createdIn(services);
    const other = await createdIn(services, caller);
    const preview = await services.identities.update(caller, update(identity.id, { displayName: "Preview" }, { validateOnly: true }));
    expect(preview).toMatchObject({ displayName: "Preview", version: identity.version });
    expect(await services.stores.identities.findById(caller.tenantId, identity.id)).toEqual(identity);
    // Its own email is not a clash; another identity's is, for real and under validate_only alike.
    await services.identities.update(caller, update(identity.id, { email: identity.email.toUpperCase() }, { validateOnly: true }));
    for (const validateOnly of [true, false]) {
      const err = await failure(services.identities.update(caller, update(identity.id, { email: other.identity.email }, { validateOnly })));
      expect(err.code).toBe("AVNOLOGY_AUTH_014");
    }
  });

  it("resets email_verified when the email changes, unless the request sets it", async () => {
    const services = memoryServices();
    const caller = admin();
    const created = await createdIn(services, caller, { emailVerified: true });
    const changed = await services.identities.update(caller, update(created.identity.id, { email: "new@example.com" }));
    expect(changed.emailVerified).toBe(false);
    const kept = await services.identities.update(caller, update(changed.id, { email: "newer@example.com", emailVerified: true }));
    expect(kept.emailVerified).toBe(true);
  });

  it("hides another organization's identity from an organization-bound caller and keeps admin-only fields to admins", async () => {
    const services = memoryServices();
    const caller = admin();
    for (const id of ["org_a", "org_b"]) {
      await services.stores.organizations.insert({ id, tenantId: caller.tenantId, name: id, createdAt: new Date(), createdBy: "t" });
    }
    const inB = await createdIn(services, caller, { organizationId: "org_b" });
    const inA = await createdIn(services, caller, { organizationId: "org_a" });
    const boundToA = orgBound(caller.tenantId, "org_a");
    expect((await failure(services.identities.update(boundToA, update(inB.identity.id, { displayName: "x" })))).code).toBe("AVNOLOGY_AUTH_040");
    const err = await failure(services.identities.update(boundToA, update(inA.identity.id, { state: "inactive" })));
    expect({ code: err.code, field: err.details.field }).toEqual({ code: "AVNOLOGY_AUTH_100", field: "state" });
    expect((await failure(services.identities.update(boundToA, update(inA.identity.id, { organizationId: "org_b" })))).code).toBe(
      "AVNOLOGY_AUTH_100",
    );
    const unknownOrg = await failure(services.identities.update(caller, update(inA.identity.id, { organizationId: "org_missing" })));
    expect({ code: unknownOrg.code, field: unknownOrg.details.field }).toEqual({ code: "AVNOLOGY_AUTH_902", field: "organization_id" });
  });
});
