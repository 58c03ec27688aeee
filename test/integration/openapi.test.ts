// The OpenAPI document against the gateway it describes: the server answers
// gen/openapi.json at /openapi.json without credentials; the document is a
// valid OpenAPI 3.0 definition; and real REST answers of every operation, its
// successes and its failures, validate against it (openapi-backend's
// validator, status by status, with headers), so the document cannot claim a
// status, a body shape or a header the gateway does not send.
import { readFileSync } from "node:fs";
import * as ajvFormats from "ajv-formats";
import { OpenAPIBackend, SetMatchType } from "openapi-backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, specExampleBody, type RestResponse } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const document = JSON.parse(readFileSync(new URL("../../gen/openapi.json", import.meta.url), "utf8"));

let server: TestServer;
let api: OpenAPIBackend;
const checked = new Map<string, Set<number>>();

beforeAll(async () => {
  server = await startTestServer();
  api = new OpenAPIBackend({
    definition: structuredClone(document),
    strict: true,
    validate: true,
    quick: false,
    // date-time and friends are checked, not ignored.
    customizeAjv: (ajv) => (ajvFormats.default as unknown as (a: typeof ajv) => typeof ajv)(ajv),
  });
  await api.init();
});
afterAll(async () => server?.close());

/** Validates one real answer against the document's response for its status. */
function expectDocumented(operationId: string, res: RestResponse, status: number): void {
  expect(res.status, res.text).toBe(status);
  const operation = api.getOperation(operationId);
  expect(operation, operationId).toBeDefined();
  expect(Object.keys(operation!.responses ?? {}), `${operationId} documents ${status}`).toContain(String(status));
  if (status !== 204) {
    const body = api.validateResponse(res.json, operationId, status);
    expect(body.errors ?? [], `${operationId} ${status} body: ${res.text}`).toEqual([]);
  } else {
    expect(res.text).toBe("");
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name] = value));
  // Every documented header that is present must match its schema ("any":
  // the document marks them optional); the ones documented as required must be there.
  const headerCheck = api.validateResponseHeaders(headers, operationId, { statusCode: status, setMatchType: SetMatchType.Any });
  expect(headerCheck.errors ?? [], `${operationId} ${status} headers`).toEqual([]);
  const documentedHeaders = resolvedResponse(operationId, status)["headers"] ?? {};
  for (const [name, header] of Object.entries(documentedHeaders as Record<string, { required?: boolean }>)) {
    if (header.required) expect(headers[name.toLowerCase()], `${operationId} ${status} sends ${name}`).toBeDefined();
  }
  if (!checked.has(operationId)) checked.set(operationId, new Set());
  checked.get(operationId)!.add(status);
}

function resolvedResponse(operationId: string, status: number): Record<string, unknown> {
  const response = api.getOperation(operationId)!.responses![String(status)] as Record<string, unknown>;
  const ref = response["$ref"] as string | undefined;
  return ref ? document.components.responses[ref.split("/").pop()!] : response;
}

describe("GET /openapi.json", () => {
  it("answers the committed document without credentials", async () => {
    const res = await rest(server.baseUrl, "GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json).toEqual(document);
  });

  it("is a valid OpenAPI 3.0 document with bearer auth and every AVNOLOGY code", () => {
    expect(document.openapi).toBe("3.0.3");
    expect(api.validateDefinition()).toBeDefined(); // throws when invalid
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.components.schemas.Error.properties.error.properties.code.enum).toContain("AVNOLOGY_AUTH_014");
  });
});

describe("real REST answers validate against the document", () => {
  it("identities: create (201, validate_only 200, 400, 401, 409), get (200, 404), list, update (200, 412), passwords, delete (204)", async () => {
    const auth = server.auth;
    const body = specExampleBody("openapi.jane@example.com");
    expectDocumented("IdentityService_CreateIdentity", await rest(server.baseUrl, "POST", "/v1/identities", { ...body, validate_only: true }, auth), 200);
    const created = await rest(server.baseUrl, "POST", "/v1/identities", body, { ...auth, "idempotency-key": "openapi-create-1" });
    expectDocumented("IdentityService_CreateIdentity", created, 201);
    expectDocumented("IdentityService_CreateIdentity", await rest(server.baseUrl, "POST", "/v1/identities", body, { ...auth, "idempotency-key": "openapi-create-1" }), 201);
    expectDocumented("IdentityService_CreateIdentity", await rest(server.baseUrl, "POST", "/v1/identities", body, auth), 409);
    expectDocumented("IdentityService_CreateIdentity", await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "not-an-email" } }, auth), 400);
    expectDocumented("IdentityService_CreateIdentity", await rest(server.baseUrl, "POST", "/v1/identities", body), 401);

    const id = created.json.id as string;
    const got = await rest(server.baseUrl, "GET", `/v1/identities/${id}`, undefined, auth);
    expectDocumented("IdentityService_GetIdentity", got, 200);
    expectDocumented("IdentityService_GetIdentity", await rest(server.baseUrl, "GET", "/v1/identities/usr_00000000-0000-4000-8000-000000000000", undefined, auth), 404);
    expectDocumented("IdentityService_ListIdentities", await rest(server.baseUrl, "GET", "/v1/identities?page_size=2", undefined, auth), 200);

    const updated = await rest(server.baseUrl, "PATCH", `/v1/identities/${id}?update_mask=first_name`, { first_name: "Janet" }, { ...auth, "if-match": got.headers.get("etag")! });
    expectDocumented("IdentityService_UpdateIdentity", updated, 200);
    expectDocumented("IdentityService_UpdateIdentity", await rest(server.baseUrl, "PATCH", `/v1/identities/${id}`, { first_name: "Jo" }, { ...auth, "if-match": got.headers.get("etag")! }), 412);

    expectDocumented("IdentityService_SetPassword", await rest(server.baseUrl, "POST", `/v1/identities/${id}:setPassword`, { password: "An0ther-Secret-Phrase" }, auth), 200);
    expectDocumented("IdentityService_VerifyPassword", await rest(server.baseUrl, "POST", "/v1/identities:verifyPassword", { email: body.identity.email, password: "An0ther-Secret-Phrase" }, auth), 200);
    expectDocumented("IdentityService_DeleteIdentity", await rest(server.baseUrl, "DELETE", `/v1/identities/${id}`, undefined, auth), 204);
  });

  it("identities: batch create (200 with an identity and an item error, 400)", async () => {
    const requests = [{ identity: { email: "openapi.batch@example.com" } }, { identity: { email: "OPENAPI.batch@example.com" } }];
    const batch = await rest(server.baseUrl, "POST", "/v1/identities:batchCreate", { requests }, server.auth);
    expect(batch.json.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual([undefined, "AVNOLOGY_AUTH_014"]);
    expectDocumented("IdentityService_BatchCreateIdentities", batch, 200);
    expectDocumented("IdentityService_BatchCreateIdentities", await rest(server.baseUrl, "POST", "/v1/identities:batchCreate", { requests: [] }, server.auth), 400);
  });

  it("api keys: create (201, 403), list, revoke", async () => {
    const created = await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "openapi reader", scopes: ["admin:users:read"] }, server.auth);
    expectDocumented("ApiKeyService_CreateApiKey", created, 201);
    const reader = { authorization: `Bearer ${created.json.secret}` };
    expectDocumented("ApiKeyService_CreateApiKey", await rest(server.baseUrl, "POST", "/v1/api-keys", { name: "x", scopes: ["admin:users:read"] }, reader), 403);
    expectDocumented("ApiKeyService_ListApiKeys", await rest(server.baseUrl, "GET", "/v1/api-keys", undefined, server.auth), 200);
    expectDocumented("ApiKeyService_RevokeApiKey", await rest(server.baseUrl, "DELETE", `/v1/api-keys/${created.json.api_key.id}`, undefined, server.auth), 200);
  });

  it("organizations: create (201, 409), get (200, 404), list", async () => {
    const created = await rest(server.baseUrl, "POST", "/v1/organizations?organization_id=org_openapi", { name: "OpenAPI" }, server.auth);
    expectDocumented("OrganizationService_CreateOrganization", created, 201);
    expectDocumented("OrganizationService_CreateOrganization", await rest(server.baseUrl, "POST", "/v1/organizations?organization_id=org_openapi", { name: "OpenAPI" }, server.auth), 409);
    expectDocumented("OrganizationService_GetOrganization", await rest(server.baseUrl, "GET", "/v1/organizations/org_openapi", undefined, server.auth), 200);
    expectDocumented("OrganizationService_GetOrganization", await rest(server.baseUrl, "GET", "/v1/organizations/org_missing", undefined, server.auth), 404);
    expectDocumented("OrganizationService_ListOrganizations", await rest(server.baseUrl, "GET", "/v1/organizations", undefined, server.auth), 200);
  });

  it("every operation of the document was exercised with its success status", () => {
    const operations = Object.values(document.paths as Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>).flatMap((ops) => Object.values(ops));
    for (const operation of operations) {
      const success = Object.keys(operation.responses).filter((s) => s.startsWith("2")).map(Number);
      const seen = checked.get(operation.operationId) ?? new Set<number>();
      expect(success.some((s) => seen.has(s)), `${operation.operationId} exercised`).toBe(true);
    }
  });
});
