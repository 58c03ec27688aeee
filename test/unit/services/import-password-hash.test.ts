// CreateIdentity with a password hash from another system (password_hash):
// who may send one, exclusivity with initial_password, format and cost caps
// (never echoing the hash), stored as it is with no hashing, and the same
// rules on validate_only and on an idempotent replay's re-authorization.
import { describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../../src/passwords/hasher.js";
import { createIdentityService } from "../../../src/services/identities/index.js";
import { scopes } from "../../../src/auth/caller.js";
import { importScope } from "../../../src/auth/permissions.js";
import { defaultImportedHashCaps } from "../../../src/passwords/imported-hash.js";
import { authorizeCreateIdentity } from "../../../src/services/identities/authorize.js";
import { admin, failure, fields, memoryServices, orgBound } from "./memory-services.js";

// crypt_blowfish (Openwall) test vector: "U*U" at cost 5.
const bcryptHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
// RFC 7914 §11, PBKDF2-HMAC-SHA256 test vector 1: P="passwd", S="salt", c=1, dkLen=64.
const pbkdf2Hash = "$pbkdf2-sha256$i=1$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw";
const withoutImport = scopes.filter((s) => s !== importScope);

describe("CreateIdentity with password_hash (in memory)", () => {
  it("stores the hash as it is, hashes nothing, and the identity verifies and is rehashed to Argon2id", async () => {
    const { identities, stores, hashed } = memoryServices();
    const caller = admin();
    const result = await identities.create(caller, { fields: fields({ email: "old@example.com" }), initialPassword: "", passwordHash: bcryptHash, validateOnly: false });
    expect(result.created).toBe(true);
    expect(JSON.stringify(result)).not.toContain(bcryptHash);
    expect(hashed.filter((p) => p === bcryptHash || p === "U*U")).toEqual([]);
    expect((await stores.identities.findCredentials(caller.tenantId, { email: "old@example.com" }))?.passwordHash).toBe(bcryptHash);

    expect((await identities.verifyPassword(caller, { email: "old@example.com", id: "", password: "U*V" })).valid).toBe(false);
    expect((await identities.verifyPassword(caller, { email: "old@example.com", id: "", password: "U*U" })).valid).toBe(true);
    await expect.poll(async () => (await stores.identities.findCredentials(caller.tenantId, { email: "old@example.com" }))?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("skips the password policy and the breach check (there is no clear text)", async () => {
    const { identities } = memoryServices();
    // The PBKDF2 vector's password "passwd" is shorter than the policy allows.
    const result = await identities.create(admin(), { fields: fields(), initialPassword: "", passwordHash: pbkdf2Hash, validateOnly: false });
    expect(result.created).toBe(true);
  });

  it.each([
    ["a caller without admin:users:import", () => admin(undefined, withoutImport)],
    ["an organization-bound caller holding it", () => orgBound("ten_x", "org_eng")],
  ])("refuses %s with 403 AVNOLOGY_AUTH_100 on password_hash, for real, under validate_only and on replay", async (_name, make) => {
    const { identities } = memoryServices();
    const caller = make();
    for (const validateOnly of [false, true]) {
      const err = await failure(identities.create(caller, { fields: fields(), initialPassword: "", passwordHash: bcryptHash, validateOnly }));
      expect({ code: err.code, status: err.entry.http, field: err.details.field }).toEqual({ code: "AVNOLOGY_AUTH_100", status: 403, field: "password_hash" });
      expect(err.message).not.toContain(bcryptHash);
    }
    expect(() => authorizeCreateIdentity(caller, fields(), { passwordHash: bcryptHash })).toThrow(/password_hash/);
    expect(() => authorizeCreateIdentity(admin(), fields(), { passwordHash: bcryptHash })).not.toThrow();
  });

  const refused = [
    { name: "both initial_password and password_hash", initialPassword: "a long passphrase", hash: bcryptHash, says: /initial_password/ },
    { name: "an unknown format", initialPassword: "", hash: "5f4dcc3b5aa765d61d8327deb882cf99", says: /accepted formats/ },
    { name: "bcrypt above the cost cap", initialPassword: "", hash: "$2b$15$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", says: /above the limit of 14/ },
  ];
  it.each(refused)("answers 902 on password_hash for $name, without echoing the hash, under validate_only too", async ({ initialPassword, hash, says }) => {
    const { identities, hashed } = memoryServices();
    for (const validateOnly of [false, true]) {
      const err = await failure(identities.create(admin(), { fields: fields(), initialPassword, passwordHash: hash, validateOnly }));
      expect(err.code).toBe("AVNOLOGY_AUTH_902");
      expect(err.details.field).toBe("password_hash");
      expect(err.details.value).toBeUndefined();
      expect(err.details.violations?.find((v) => v.field === "password_hash")?.message).toMatch(says);
      expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(hash);
    }
    expect(hashed.filter((p) => p === hash || p === initialPassword)).toEqual([]);
  });

  it("reads the caps it is given", async () => {
    const { stores } = memoryServices();
    const identities = createIdentityService({
      store: stores.identities,
      organizations: stores.organizations,
      hasher: createPasswordHasher(),
      breach: { isBreached: async () => false },
      passwordPolicy: { minLength: 8, maxLength: 256 },
      importedHashCaps: { ...defaultImportedHashCaps, bcryptMaxCost: 4 },
    });
    const err = await failure(identities.create(admin(), { fields: fields(), initialPassword: "", passwordHash: bcryptHash, validateOnly: true }));
    expect(err.details.violations?.[0]?.message).toMatch(/cost 5 is above the limit of 4/);
  });
});
