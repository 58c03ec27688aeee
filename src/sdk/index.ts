// The public entry of the TypeScript SDK (package export "./sdk").
export { createAvnologyClient } from "./client.js";
export type { AvnologyClient, AvnologyClientOptions, RawClients } from "./client.js";
export type { AdminApi, CreateUserInput, ListUsersFilter, UpdateUserInput, User, UserFields, WriteOptions } from "./admin.js";
export { AvnologyError, type AvnologyViolation } from "./errors.js";
