// The MongoDB stores against the run's database pass the storage contract
// (test/contract/), the same suites the in-memory stores pass.
import { afterAll, beforeAll } from "vitest";
import { connectDatabase, type Database } from "../../src/store/mongo.js";
import { createApiKeyStore } from "../../src/store/api-key-store.js";
import { createIdempotencyStore } from "../../src/store/idempotency-store.js";
import { createIdentityStore } from "../../src/store/identity-store.js";
import { createOrganizationStore } from "../../src/store/organization-store.js";
import { createRateLimitStore } from "../../src/store/rate-limit-store.js";
import { createTenantStore } from "../../src/store/tenant-store.js";
import {
  contractIdempotencyOptions,
  describeApiKeyStore,
  describeIdempotencyStore,
  describeIdentityStore,
  describeOrganizationStore,
  describeRateLimitStore,
  describeTenantStore,
} from "../contract/index.js";
import { freshDatabaseUri } from "../support/test-server.js";

let database: Database;
beforeAll(async () => {
  database = await connectDatabase(freshDatabaseUri());
});

/** FerretDB answers buildInfo with a `ferretdbVersion` (MongoDB does not). */
async function isFerretDb(): Promise<boolean> {
  const probe = await connectDatabase(freshDatabaseUri());
  try {
    return "ferretdbVersion" in (await probe.db.command({ buildInfo: 1 }));
  } finally {
    await probe.close();
  }
}
// Decided before the suites are declared: a known FerretDB gap is skipped (and
// shown as skipped), never silently weakened. Production runs on MongoDB.
const onFerretDb = await isFerretDb();
afterAll(async () => {
  await database?.db.dropDatabase().catch(() => undefined);
  await database?.close();
});

describeIdentityStore("MongoDB", () => createIdentityStore(database.db));
describeApiKeyStore("MongoDB", () => createApiKeyStore(database.db));
describeOrganizationStore("MongoDB", () => createOrganizationStore(database.db));
describeTenantStore("MongoDB", () => createTenantStore(database.db));
describeIdempotencyStore("MongoDB", () => createIdempotencyStore(database.db, contractIdempotencyOptions));
describeRateLimitStore(onFerretDb ? "FerretDB" : "MongoDB", () => createRateLimitStore(database.db), { concurrentAddsAtomic: !onFerretDb });
