// The API key use cases, bound to their dependencies.
import { randomUUID } from "node:crypto";
import type { Caller } from "../../auth/caller.js";
import type { ApiKey } from "../../domain/api-key.js";
import type { Page } from "../../store/paging.js";
import { createApiKey, type CreateApiKeyInput, type CreatedApiKey } from "./create-api-key.js";
import type { ApiKeyDeps } from "./deps.js";
import { listApiKeys } from "./list-api-keys.js";
import { revokeApiKey } from "./revoke-api-key.js";

export type { CreateApiKeyInput, CreatedApiKey } from "./create-api-key.js";

export interface ApiKeyUseCases {
  create(caller: Caller, input: CreateApiKeyInput): Promise<CreatedApiKey>;
  list(caller: Caller, pageSize: number, pageToken: string): Promise<Page<ApiKey>>;
  revoke(caller: Caller, id: string): Promise<ApiKey>;
}

export function createApiKeyService(
  deps: Omit<ApiKeyDeps, "now" | "newId"> & Partial<Pick<ApiKeyDeps, "now" | "newId">>,
): ApiKeyUseCases {
  const full: ApiKeyDeps = { now: () => new Date(), newId: (prefix) => `${prefix}_${randomUUID()}`, ...deps };
  return {
    create: (caller, input) => createApiKey(full, caller, input),
    list: (caller, pageSize, pageToken) => listApiKeys(full, caller, pageSize, pageToken),
    revoke: (caller, id) => revokeApiKey(full, caller, id),
  };
}
