// @avnology/identity-sdk: the typed client of the Avnology identity service.
export { createAvnologyClient } from "./client.js";
export type { AvnologyClient, AvnologyClientOptions } from "./client.js";
export type { RawClients } from "./raw-clients.js";
export type { AdminApi, CreateUserInput, ListUsersFilter, UpdateUserInput, User, UserFields, WriteOptions } from "./admin.js";
export type { CreateKeyInput, CreatedKey, KeysApi, OrganizationsApi } from "./keys.js";
export { AvnologyError, type AvnologyViolation } from "./errors.js";
export { errorCatalogue, type AvnologyErrorCode } from "./error-statuses.js";
export { defaultRetryPolicy, isRetryable, type CallOptions, type RetryPolicy } from "./retry.js";
export type { ApiKey } from "./gen/avnology/identity/v1/api_key_pb.js";
export type { Identity } from "./gen/avnology/identity/v1/identity_pb.js";
export type { Organization } from "./gen/avnology/identity/v1/organization_pb.js";
