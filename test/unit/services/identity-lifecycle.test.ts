// List, delete and the password use cases on the in-memory stores: keyset
// pages through the service's tokens, etag-guarded deletes, and
// VerifyPassword's answers and hash upgrade.
import { describe, expect, it } from "vitest";
import { etagOf } from "../../../src/domain/etag.js";
import type { IdentityFields } from "../../../src/domain/identity.js";
import { createPasswordHasher } from "../../../src/passwords/hasher.js";
import { admin, cheapArgon2, failure, fields, memoryServices } from "./memory-services.js";

const listInput = { pageSize: 0, pageToken: "", email: "", username: "", organizationId: "", externalId: "", state: "", createdAfter: undefined, createdBefore: undefined };

async function created(services: ReturnType<typeof memoryServices>, caller: ReturnType<typeof admin>, values: Partial<IdentityFields> = {}, password = "") {
  const result = await services.identities.create(caller, { fields: fields(values), initialPassword: password, validateOnly: false });
  if (!result.created) throw new Error("expected a created identity");
  return result.identity;
}

describe("identity lifecycle (in memory)", () => {
  it("lists every identity once, oldest first, page by page, with the filter bound to the token", async () => {
    const services = memoryServices();
    const caller = admin();
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await created(services, caller, { state: i % 3 === 0 ? "inactive" : "" }));
    await created(services, admin()); // another tenant's
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await services.identities.list(caller, { ...listInput, pageSize: 3, pageToken });
      seen.push(...page.identities.map((i) => i.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    // Oldest first; identities made in the same millisecond in id order.
    const order = [...made].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    expect(seen).toEqual(order.map((i) => i.id));
    const inactive = await services.identities.list(caller, { ...listInput, state: "inactive", pageSize: 2 });
    expect(inactive.identities.every((i) => i.state === "inactive")).toBe(true);
    const err = await failure(services.identities.list(caller, { ...listInput, pageSize: 2, pageToken: inactive.nextPageToken }));
    expect({ code: err.code, field: err.details.field }).toEqual({ code: "AVNOLOGY_AUTH_902", field: "page_token" });
  });

  it("deletes at the etag's version only, and answers 404 afterwards", async () => {
    const services = memoryServices();
    const caller = admin();
    const identity = await created(services, caller);
    await services.identities.update(caller, { id: identity.id, values: fields({ displayName: "v2" }), maskPaths: ["display_name"], etag: "", validateOnly: false });
    expect((await failure(services.identities.delete(caller, { id: identity.id, etag: etagOf(1) }))).code).toBe("AVNOLOGY_AUTH_050");
    await services.identities.delete(caller, { id: identity.id, etag: etagOf(2) });
    expect((await failure(services.identities.get(caller, identity.id))).code).toBe("AVNOLOGY_AUTH_040");
    expect((await failure(services.identities.delete(caller, { id: identity.id, etag: "" }))).code).toBe("AVNOLOGY_AUTH_040");
  });

  it("sets a password as a new version and verifies it; wrong, unknown and inactive answer false", async () => {
    const services = memoryServices();
    const caller = admin();
    const identity = await created(services, caller, { email: "verify@example.com" });
    const after = await services.identities.setPassword(caller, identity.id, "correct horse battery");
    expect(after.version).toBe(identity.version + 1);
    const verify = (email: string, password: string) => services.identities.verifyPassword(caller, { email, id: "", password });
    expect(await verify("VERIFY@example.com", "correct horse battery")).toEqual({ valid: true, rehashed: false });
    expect((await verify("verify@example.com", "wrong horse battery")).valid).toBe(false);
    expect((await verify("nobody@example.com", "correct horse battery")).valid).toBe(false);
    await services.identities.update(caller, { id: identity.id, values: fields({ state: "inactive" }), maskPaths: ["state"], etag: "", validateOnly: false });
    expect((await verify("verify@example.com", "correct horse battery")).valid).toBe(false);
  });

  it("upgrades a hash made with older parameters on a successful verify, without a new version", async () => {
    const stronger = { ...cheapArgon2, timeCost: 2 };
    const services = memoryServices({}, stronger);
    const caller = admin();
    const identity = await created(services, caller, { email: "old@example.com" });
    const oldHash = await createPasswordHasher(cheapArgon2).hash("an older passphrase");
    // The identity was created without a password: store the old-parameter hash the way SetPassword would.
    await services.stores.identities.setPasswordHash(caller.tenantId, identity.id, identity.version, {
      passwordHash: oldHash,
      updatedAt: new Date(),
      updatedBy: "test",
    });
    const result = await services.identities.verifyPassword(caller, { email: "old@example.com", id: "", password: "an older passphrase" });
    expect(result).toEqual({ valid: true, rehashed: true });
    const stored = await services.stores.identities.findCredentials(caller.tenantId, { id: identity.id });
    expect(stored?.passwordHash).toMatch(/t=2/);
    expect(stored?.identity.version).toBe(identity.version + 1); // the setPasswordHash above; the upgrade adds none
  });
});
