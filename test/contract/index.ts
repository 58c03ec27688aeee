// The storage contract suites: one per store interface, each run by every
// implementation (MongoDB: test/integration/store-contracts.test.ts; in
// memory: test/unit/store/memory-store-contracts.test.ts). A suite makes one
// store and gives every test its own tenant or record ids, so the tests of a
// suite never see each other's data.
export { describeApiKeyStore } from "./api-key-store-contract.js";
export { contractIdempotencyOptions, describeIdempotencyStore } from "./idempotency-store-contract.js";
export { describeIdentityStore } from "./identity-store-contract.js";
export { describeOrganizationStore, describeTenantStore } from "./organization-store-contract.js";
export { describeRateLimitStore, type RateLimitContractOptions } from "./rate-limit-store-contract.js";
