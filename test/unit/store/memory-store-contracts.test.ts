// The in-memory stores pass the same storage contract as the MongoDB stores
// (test/contract/), so service tests built on them test what production does.
import {
  contractIdempotencyOptions,
  describeApiKeyStore,
  describeIdempotencyStore,
  describeIdentityStore,
  describeOrganizationStore,
  describeRateLimitStore,
  describeTenantStore,
} from "../../contract/index.js";
import {
  createMemoryApiKeyStore,
  createMemoryIdempotencyStore,
  createMemoryIdentityStore,
  createMemoryOrganizationStore,
  createMemoryRateLimitStore,
  createMemoryTenantStore,
} from "../../../src/store/memory/index.js";

describeIdentityStore("memory", async () => createMemoryIdentityStore());
describeApiKeyStore("memory", async () => createMemoryApiKeyStore());
describeOrganizationStore("memory", async () => createMemoryOrganizationStore());
describeTenantStore("memory", async () => createMemoryTenantStore());
describeIdempotencyStore("memory", async () => createMemoryIdempotencyStore(contractIdempotencyOptions));
describeRateLimitStore("memory", async () => createMemoryRateLimitStore());
