// client.keys and client.organizations: the tenant's API keys and
// organizations, with the same retries, idempotency keys and per-call
// options as client.admin.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ApiKey } from "./gen/avnology/identity/v1/api_key_pb.js";
import type { Organization } from "./gen/avnology/identity/v1/organization_pb.js";
import type { RawClients } from "./raw-clients.js";
import { paginate, type Invoke } from "./invoke.js";
import type { CallOptions } from "./retry.js";

export interface CreateKeyInput {
  readonly name: string;
  /** Scopes of the new key, at most the caller's own (e.g. "admin:users:read"). */
  readonly scopes: readonly string[];
  /** Binds the key to one organization of the tenant. */
  readonly organizationId?: string;
  readonly expiresAt?: Date;
  readonly idempotencyKey?: string;
}

export interface CreatedKey {
  readonly apiKey: ApiKey;
  /** The secret (`ak_live_...`): shown in this answer only. "" when the answer replays an earlier creation. */
  readonly secret: string;
}

export interface KeysApi {
  create(input: CreateKeyInput, options?: CallOptions): Promise<CreatedKey>;
  list(options?: CallOptions): AsyncGenerator<ApiKey, void, undefined>;
  revoke(id: string, options?: CallOptions & { idempotencyKey?: string }): Promise<ApiKey>;
}

export interface OrganizationsApi {
  /** `id`: an id of your own (`org_` + 1–64 of a-z 0-9 -); default `org_<uuid>`. */
  create(input: { name: string; id?: string; idempotencyKey?: string }, options?: CallOptions): Promise<Organization>;
  get(id: string, options?: CallOptions): Promise<Organization>;
  list(options?: CallOptions): AsyncGenerator<Organization, void, undefined>;
}

export function createKeysApi(raw: RawClients, invoke: Invoke, newIdempotencyKey: () => string): KeysApi {
  const api = raw.apiKeys;
  return {
    async create(input, options) {
      const request = {
        name: input.name,
        scopes: [...input.scopes],
        organizationId: input.organizationId ?? "",
        ...(input.expiresAt && { expiresAt: timestampFromDate(input.expiresAt) }),
        requestId: input.idempotencyKey ?? newIdempotencyKey(),
      };
      const created = await invoke((o) => api.createApiKey(request, o), options);
      if (!created.apiKey) throw new Error("CreateApiKey answered no key");
      return { apiKey: created.apiKey, secret: created.secret };
    },
    list: (options) => paginate((pageToken) => invoke((o) => api.listApiKeys({ pageToken }, o), options), (page) => page.apiKeys),
    revoke(id, options = {}) {
      const request = { id, requestId: options.idempotencyKey ?? newIdempotencyKey() };
      return invoke((o) => api.revokeApiKey(request, o), options);
    },
  };
}

export function createOrganizationsApi(raw: RawClients, invoke: Invoke, newIdempotencyKey: () => string): OrganizationsApi {
  const api = raw.organizations;
  return {
    create(input, options) {
      const request = {
        organization: { name: input.name },
        organizationId: input.id ?? "",
        requestId: input.idempotencyKey ?? newIdempotencyKey(),
      };
      return invoke((o) => api.createOrganization(request, o), options);
    },
    get: (id, options) => invoke((o) => api.getOrganization({ id }, o), options),
    list: (options) =>
      paginate((pageToken) => invoke((o) => api.listOrganizations({ pageToken }, o), options), (page) => page.organizations),
  };
}
