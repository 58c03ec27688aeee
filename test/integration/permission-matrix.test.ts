// The permission matrix of issue 4: every kind of caller × the four
// operations, with the expected status and AVNOLOGY code per cell, over REST
// (fetch) and gRPC (@grpc/grpc-js).
import * as grpc from "@grpc/grpc-js";
import type { DescMessage, DescService, MessageInitShape } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateApiKeyRequestSchema, CreateApiKeyResponseSchema, ApiKeyService } from "../../gen/avnology/identity/v1/api_key_service_pb.js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { CreateIdentityRequestSchema, GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { OrganizationSchema } from "../../gen/avnology/identity/v1/organization_pb.js";
import { CreateOrganizationRequestSchema, OrganizationService } from "../../gen/avnology/identity/v1/organization_service_pb.js";
import { scopes as allScopes } from "../../src/auth/caller.js";
import { catalogue, type ErrorCode } from "../../src/domain/errors.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { startTestIssuer, type TestIssuer } from "../support/oauth.js";
import { rest } from "../support/rest.js";
import { createKey, createOrgBoundKey, type AuthHeaders } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let issuer: TestIssuer;
let targetIdentityId: string;
const callers = new Map<string, AuthHeaders>();
let counter = 0;

const bearer = (credential: string): AuthHeaders => ({ authorization: `Bearer ${credential}` });

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startTestServer(issuer.env);
  const tenant = { tenant_id: server.tenantId };

  const expiresAt = Date.now() + 1_500;
  const expiring = await createKey(server, { name: "expiring", expiresAt: new Date(expiresAt).toISOString() });
  const revoked = await createKey(server, { name: "to be revoked" });
  const revoke = await rest(server.baseUrl, "DELETE", `/v1/api-keys/${revoked.id}`, undefined, server.auth);
  expect(revoke.status).toBe(200);

  callers.set("bootstrap key", server.bootstrapAuth);
  callers.set("tenant admin key", server.auth);
  callers.set("read-only key", (await createKey(server, { name: "reader", scopes: ["admin:users:read"] })).auth);
  callers.set("org-bound key", (await createOrgBoundKey(server)).auth);
  callers.set("revoked key", revoked.auth);
  callers.set("expired key", expiring.auth);
  callers.set("JWT valid", bearer(await issuer.token({ ...tenant, scope: allScopes.join(" ") })));
  callers.set("JWT expired", bearer(await issuer.token({ ...tenant, scope: allScopes.join(" "), exp: Math.floor(Date.now() / 1000) - 3600 })));
  callers.set("JWT wrong audience", bearer(await issuer.token({ ...tenant, scope: allScopes.join(" "), aud: "https://elsewhere.test" })));
  callers.set("JWT wrong signature", bearer(await issuer.token({ ...tenant, scope: allScopes.join(" ") }, { signWith: "impostor" })));
  callers.set("JWT alg none", bearer(issuer.unsignedToken({ ...tenant, scope: allScopes.join(" ") })));
  callers.set("JWT missing scope", bearer(await issuer.token({ ...tenant, scope: "openid profile" })));
  callers.set("no credential", {});

  const target = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "matrix.target@example.com" } }, server.auth);
  expect(target.status).toBe(201);
  targetIdentityId = target.json.id;

  // The expiring key must be past its expiry before the matrix runs.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 50)));
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

type Operation = "create identity" | "get identity" | "create key" | "create organization";
/** A 2xx status, or the AVNOLOGY code whose catalogue entry gives status and gRPC code. */
type Outcome = 200 | 201 | ErrorCode;

const unauthenticated: Outcome[] = ["AVNOLOGY_AUTH_001", "AVNOLOGY_AUTH_001", "AVNOLOGY_AUTH_001", "AVNOLOGY_AUTH_001"];
const forbidden: Outcome[] = ["AVNOLOGY_AUTH_100", "AVNOLOGY_AUTH_100", "AVNOLOGY_AUTH_100", "AVNOLOGY_AUTH_100"];

//                                   create identity       get identity          create key            create organization
const matrix: [string, Outcome[]][] = [
  ["bootstrap key", ["AVNOLOGY_AUTH_101", "AVNOLOGY_AUTH_101", 201, "AVNOLOGY_AUTH_101"]],
  ["tenant admin key", [201, 200, 201, 201]],
  ["read-only key", ["AVNOLOGY_AUTH_100", 200, "AVNOLOGY_AUTH_100", "AVNOLOGY_AUTH_100"]],
  // Its organization's identities only (the target has none: 404 like a
  // missing one); keys within its organization; no organizations.
  ["org-bound key", [201, "AVNOLOGY_AUTH_040", 201, "AVNOLOGY_AUTH_100"]],
  ["revoked key", unauthenticated],
  ["expired key", unauthenticated],
  ["JWT valid", [201, 200, 201, 201]],
  ["JWT expired", unauthenticated],
  ["JWT wrong audience", unauthenticated],
  ["JWT wrong signature", unauthenticated],
  ["JWT alg none", unauthenticated],
  ["JWT missing scope", forbidden],
  ["no credential", unauthenticated],
];
const operations: Operation[] = ["create identity", "get identity", "create key", "create organization"];
const cells = matrix.flatMap(([caller, outcomes]) => operations.map((op, i) => [caller, op, outcomes[i]!] as const));

function restRequest(op: Operation): { method: string; path: string; body?: unknown } {
  const n = ++counter;
  switch (op) {
    case "create identity":
      return { method: "POST", path: "/v1/identities", body: { identity: { email: `matrix.rest.${n}@example.com` } } };
    case "get identity":
      return { method: "GET", path: `/v1/identities/${targetIdentityId}` };
    case "create key":
      return { method: "POST", path: "/v1/api-keys", body: { name: `matrix ${n}`, scopes: ["admin:users:read"] } };
    case "create organization":
      return { method: "POST", path: "/v1/organizations", body: { name: `Matrix ${n}` } };
  }
}

function grpcRequest(op: Operation): { service: DescService; method: string; input: DescMessage; output: DescMessage; request: MessageInitShape<DescMessage> } {
  const n = ++counter;
  switch (op) {
    case "create identity":
      return { service: IdentityService, method: "createIdentity", input: CreateIdentityRequestSchema, output: IdentitySchema, request: { identity: { email: `matrix.grpc.${n}@example.com` } } as never };
    case "get identity":
      return { service: IdentityService, method: "getIdentity", input: GetIdentityRequestSchema, output: IdentitySchema, request: { id: targetIdentityId } as never };
    case "create key":
      return { service: ApiKeyService, method: "createApiKey", input: CreateApiKeyRequestSchema, output: CreateApiKeyResponseSchema, request: { name: `matrix ${n}`, scopes: ["admin:users:read"] } as never };
    case "create organization":
      return { service: OrganizationService, method: "createOrganization", input: CreateOrganizationRequestSchema, output: OrganizationSchema, request: { organization: { name: `Matrix ${n}` } } as never };
  }
}

describe("permission matrix over REST", () => {
  it.each(cells)("%s × %s → %s", async (caller, op, expected) => {
    const { method, path, body } = restRequest(op);
    const res = await rest(server.baseUrl, method, path, body, callers.get(caller)!);
    if (typeof expected === "number") {
      expect(res.status, res.text).toBe(expected);
      return;
    }
    expect(res.status).toBe(catalogue[expected].http);
    expect(res.json.error.code).toBe(expected);
    if (expected === "AVNOLOGY_AUTH_001") expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="avnology"/);
    if (expected === "AVNOLOGY_AUTH_101") expect(res.json.error.message).toBe("Bootstrap key cannot manage users. Create an admin key first.");
  });
});

describe("permission matrix over gRPC", () => {
  it.each(cells)("%s × %s → %s", async (caller, op, expected) => {
    const { service, method, input, output, request } = grpcRequest(op);
    const client = createGrpcClient(service, server.port);
    try {
      const result = await client.call(method, input, output, request, { ...callers.get(caller)! });
      if (typeof expected === "number") {
        expect(result.error?.message).toBeUndefined();
        expect(result.response).toBeDefined();
        return;
      }
      expect(result.error?.code).toBe(catalogue[expected].grpc as number as grpc.status);
      expect(grpcErrorDetails(result.error!).errorInfo?.reason).toBe(expected);
    } finally {
      client.close();
    }
  });
});
