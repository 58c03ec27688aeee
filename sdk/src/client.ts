// createAvnologyClient: the typed client of this service for Node (>= 20) and
// browsers. Everything goes over the Connect protocol with fetch
// (@connectrpc/connect-web), so nothing here imports Node built-ins; the
// Connect routes answer CORS preflights for the origins in CORS_ORIGINS.
//
//   const client = createAvnologyClient({ baseUrl, apiKey });
//   const user = await client.admin.createUser({ email, password, name });
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ApiKeyService } from "./gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentityService } from "./gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationService } from "./gen/avnology/identity/v1/organization_service_pb.js";
import { createAdminApi, type AdminApi } from "./admin.js";
import { createInvoke } from "./invoke.js";
import type { RawClients } from "./raw-clients.js";
import { createKeysApi, createOrganizationsApi, type KeysApi, type OrganizationsApi } from "./keys.js";
import { defaultRetryPolicy, type RetryPolicy } from "./retry.js";

export interface AvnologyClientOptions {
  /** Where the service listens, e.g. `https://id.example.com`. */
  readonly baseUrl: string;
  /** An API key secret (`ak_…`), sent as `Authorization: Bearer`; "" sends none. */
  readonly apiKey: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof globalThis.fetch;
  /** Makes idempotency keys for writes, one per call (default: crypto.randomUUID). */
  readonly idempotencyKey?: () => string;
  /** Extra headers on every call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retries on 429, 503, network failures and in-flight 409s (default: 3 retries, 250 ms → 8 s backoff). */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Send Connect's binary protobuf encoding rather than JSON (default
   * false): smaller bodies and cheaper encoding for bulk calls such as
   * BatchCreateIdentities; JSON stays the default because it is readable in
   * a browser's network panel.
   */
  readonly binaryFormat?: boolean;
}

export interface AvnologyClient {
  readonly admin: AdminApi;
  readonly keys: KeysApi;
  readonly organizations: OrganizationsApi;
  readonly raw: RawClients;
}

export function createAvnologyClient(options: AvnologyClientOptions): AvnologyClient {
  const authenticate: Interceptor = (next) => (req) => {
    for (const [name, value] of Object.entries(options.headers ?? {})) req.header.set(name, value);
    if (options.apiKey !== "") req.header.set("authorization", `Bearer ${options.apiKey}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: options.baseUrl,
    interceptors: [authenticate],
    useBinaryFormat: options.binaryFormat === true,
    ...(options.fetch && { fetch: options.fetch }),
  });
  const raw: RawClients = {
    identities: createClient(IdentityService, transport),
    apiKeys: createClient(ApiKeyService, transport),
    organizations: createClient(OrganizationService, transport),
  };
  const newKey = options.idempotencyKey ?? (() => globalThis.crypto.randomUUID());
  const invoke = createInvoke({ ...defaultRetryPolicy, ...options.retry });
  return {
    admin: createAdminApi(raw, invoke, newKey),
    keys: createKeysApi(raw, invoke, newKey),
    organizations: createOrganizationsApi(raw, invoke, newKey),
    raw,
  };
}
