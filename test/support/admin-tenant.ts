// The tenant every test server (and every group of service processes) starts
// with, made through the real API: the bootstrap key creates it and its first
// key, which creates the organization the spec's example names, and a second
// all-scopes key whose rate-limit budget no setup call has touched.
import { scopes } from "../../src/auth/caller.js";
import { rest, specExampleBody } from "./rest.js";

export interface AdminTenant {
  /** `{authorization: "Bearer ak_live_..."}` of the untouched all-scopes key. */
  readonly auth: Readonly<Record<string, string>>;
  readonly tenantId: string;
  readonly adminKeyId: string;
}

export async function setUpAdminTenant(baseUrl: string, bootstrapKey: string): Promise<AdminTenant> {
  const expect201 = (what: string, res: { status: number; text: string }) => {
    if (res.status !== 201) throw new Error(`setting up the admin tenant: ${what} answered ${res.status}: ${res.text}`);
  };
  const first = await rest(baseUrl, "POST", "/v1/api-keys", { name: "Test tenant", scopes: [...scopes] }, {
    authorization: `Bearer ${bootstrapKey}`,
  });
  expect201("creating the tenant", first);
  const setupAuth = { authorization: `Bearer ${first.json.secret}` };
  const exampleOrg = specExampleBody().identity.organization_id;
  const org = await rest(baseUrl, "POST", `/v1/organizations?organization_id=${exampleOrg}`, { name: "Spec example" }, setupAuth);
  expect201("creating the example organization", org);
  const admin = await rest(baseUrl, "POST", "/v1/api-keys", { name: "Test admin", scopes: [...scopes] }, setupAuth);
  expect201("creating the admin key", admin);
  return {
    auth: { authorization: `Bearer ${admin.json.secret}` },
    tenantId: admin.json.api_key.tenant_id,
    adminKeyId: admin.json.api_key.id,
  };
}
