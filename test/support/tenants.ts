// Making tenants, keys and organizations through the real API, for tests
// that need more callers than `server.auth`.
import { scopes as allScopes, type Scope } from "../../src/auth/caller.js";
import { rest } from "./rest.js";
import type { TestServer } from "./test-server.js";

export type AuthHeaders = Readonly<Record<string, string>>;

export interface TestKey {
  readonly id: string;
  readonly tenantId: string;
  readonly secret: string;
  /** `{authorization: "Bearer ak_live_..."}`. */
  readonly auth: AuthHeaders;
}

export interface KeyRequest {
  readonly name?: string;
  readonly scopes?: readonly Scope[];
  readonly organizationId?: string;
  /** RFC 3339 instant. */
  readonly expiresAt?: string;
}

async function postKey(server: TestServer, auth: AuthHeaders, request: KeyRequest): Promise<TestKey> {
  const body = {
    name: request.name ?? "test key",
    scopes: request.scopes ?? allScopes,
    ...(request.organizationId === undefined ? {} : { organization_id: request.organizationId }),
    ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
  };
  const res = await rest(server.baseUrl, "POST", "/v1/api-keys", body, auth);
  if (res.status !== 201) throw new Error(`creating a key answered ${res.status}: ${res.text}`);
  const secret: string = res.json.secret;
  return { id: res.json.api_key.id, tenantId: res.json.api_key.tenant_id, secret, auth: { authorization: `Bearer ${secret}` } };
}

/** A new tenant (via the bootstrap key) and its first key, all scopes unless told. */
export function createTenant(server: TestServer, name = "Another tenant", scopes: readonly Scope[] = allScopes): Promise<TestKey> {
  return postKey(server, server.bootstrapAuth, { name, scopes });
}

/** A key created by `creator` (default: the server's admin key) in the creator's tenant. */
export function createKey(server: TestServer, request: KeyRequest = {}, creator: AuthHeaders = server.auth): Promise<TestKey> {
  return postKey(server, creator, request);
}

/** An organization of the creator's tenant; `id` is the AIP-133 organization_id. */
export async function createOrganization(server: TestServer, id?: string, creator: AuthHeaders = server.auth): Promise<string> {
  const query = id === undefined ? "" : `?organization_id=${encodeURIComponent(id)}`;
  const res = await rest(server.baseUrl, "POST", `/v1/organizations${query}`, { name: `Organization ${id ?? ""}`.trim() }, creator);
  if (res.status !== 201) throw new Error(`creating an organization answered ${res.status}: ${res.text}`);
  return res.json.id;
}

/** An organization and a key bound to it (users read/write and keys:write unless told). */
export async function createOrgBoundKey(
  server: TestServer,
  scopes: readonly Scope[] = ["admin:users:write", "admin:users:read", "admin:keys:write", "admin:orgs:read"],
  organizationId?: string,
): Promise<TestKey & { readonly organizationId: string }> {
  const org = organizationId ?? (await createOrganization(server));
  const key = await createKey(server, { name: "org-bound", scopes, organizationId: org });
  return { ...key, organizationId: org };
}
