// Every AVNOLOGY code CreateIdentity can answer, on each transport: REST
// status and body, grpc-js status and decoded details, Connect code and details.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { errorFromJson } from "@connectrpc/connect/protocol-connect";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { CreateIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

interface ErrorCase {
  readonly name: string;
  /** Builds the request body; `tag` keeps values unique per transport. */
  readonly body: (tag: string) => JsonObject;
  /** Created first (for the 409 cases). */
  readonly seed?: (tag: string) => JsonObject;
  readonly http: number;
  readonly code: string;
  readonly grpc: Code;
  readonly field: string;
  /** Request-relative paths that must all be reported. */
  readonly violations?: readonly string[];
}

const cases: ErrorCase[] = [
  {
    name: "malformed email",
    body: () => ({ identity: { email: "jane.smith.example.com" } }),
    http: 400, code: "AVNOLOGY_AUTH_902", grpc: Code.InvalidArgument, field: "email", violations: ["identity.email"],
  },
  {
    name: "every violation at once, password problems listed too",
    body: (t) => ({
      identity: { email: `bad ${t}`, phone: "+1415555123", username: "x", timezone: "Mars/Olympus", locale: "en_US!!" },
      initial_password: "short",
    }),
    http: 400, code: "AVNOLOGY_AUTH_902", grpc: Code.InvalidArgument, field: "email",
    violations: ["identity.email", "identity.phone", "identity.username", "identity.timezone", "identity.locale", "initial_password"],
  },
  {
    name: "a too-short phone number",
    body: (t) => ({ identity: { email: `phone-${t}@example.com`, phone: "+1415555123" } }),
    http: 400, code: "AVNOLOGY_AUTH_902", grpc: Code.InvalidArgument, field: "phone", violations: ["identity.phone"],
  },
  {
    name: "a MongoDB operator as a traits key",
    body: (t) => ({ identity: { email: `traits-${t}@example.com`, traits: { $where: "1" } } }),
    http: 400, code: "AVNOLOGY_AUTH_902", grpc: Code.InvalidArgument, field: "traits",
  },
  {
    name: "an output-only field sent by the client",
    body: (t) => ({ identity: { email: `id-${t}@example.com`, id: "usr_00000000-0000-4000-8000-000000000000" } }),
    http: 400, code: "AVNOLOGY_AUTH_902", grpc: Code.InvalidArgument, field: "id", violations: ["identity.id"],
  },
  {
    name: "a password under the policy, with every failed rule listed",
    body: (t) => ({ identity: { email: `marvin${t}@example.com` }, initial_password: ` marvin${t} ` }),
    http: 400, code: "AVNOLOGY_AUTH_011", grpc: Code.InvalidArgument, field: "initial_password",
    violations: ["initial_password"],
  },
  {
    name: "a breached password",
    body: (t) => ({ identity: { email: `breach-${t}@example.com` }, initial_password: "password123" }),
    http: 400, code: "AVNOLOGY_AUTH_010", grpc: Code.InvalidArgument, field: "initial_password",
  },
  {
    name: "a taken email (case-insensitive)",
    seed: (t) => ({ identity: { email: `taken-${t}@example.com` } }),
    body: (t) => ({ identity: { email: `TAKEN-${t}@Example.com` } }),
    http: 409, code: "AVNOLOGY_AUTH_014", grpc: Code.AlreadyExists, field: "email",
  },
  {
    name: "a taken username (case-insensitive)",
    seed: (t) => ({ identity: { email: `u1-${t}@example.com`, username: `jane_${t}` } }),
    body: (t) => ({ identity: { email: `u2-${t}@example.com`, username: `JANE_${t}` } }),
    http: 409, code: "AVNOLOGY_AUTH_015", grpc: Code.AlreadyExists, field: "username",
  },
  {
    name: "a taken external_id",
    seed: (t) => ({ identity: { email: `x1-${t}@example.com`, external_id: `cust_${t}` } }),
    body: (t) => ({ identity: { email: `x2-${t}@example.com`, external_id: `cust_${t}` } }),
    http: 409, code: "AVNOLOGY_AUTH_016", grpc: Code.AlreadyExists, field: "external_id",
  },
];

describe.each(cases)("CreateIdentity with $name", (c) => {
  it("REST answers the status, code and details", async () => {
    if (c.seed) expect((await rest(server.baseUrl, "POST", "/v1/identities", c.seed("rest"), server.auth)).status).toBe(201);
    const res = await rest(server.baseUrl, "POST", "/v1/identities", c.body("rest"), server.auth);
    expect(res.status).toBe(c.http);
    expect(res.json.error).toMatchObject({ code: c.code, status: c.http, details: { field: c.field } });
    const reported = (res.json.error.details.violations ?? []).map((v: { field: string }) => v.field);
    for (const path of c.violations ?? []) expect(reported).toContain(path);
    expect(res.text).not.toMatch(/short|password123|marvinrest /);
  });

  it("grpc-js answers the gRPC code with ErrorInfo (and BadRequest for validation)", async () => {
    const client = createGrpcClient(IdentityService, server.port);
    try {
      if (c.seed) {
        const seeded = await client.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, fromJson(CreateIdentityRequestSchema, c.seed("grpc")), server.auth);
        expect(seeded.error).toBeUndefined();
      }
      const result = await client.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, fromJson(CreateIdentityRequestSchema, c.body("grpc")), server.auth);
      expect(result.error?.code).toBe(c.grpc);
      const { errorInfo, badRequest } = grpcErrorDetails(result.error!);
      expect(errorInfo).toMatchObject({ reason: c.code, domain: "id.avnology.net" });
      expect(errorInfo?.metadata["field"]).toBe(c.field);
      const paths = badRequest?.fieldViolations.map((v) => v.field) ?? [];
      for (const path of c.violations ?? []) expect(paths).toContain(path);
    } finally {
      client.close();
    }
  });

  it("Connect answers the code with ErrorInfo (and BadRequest for validation)", async () => {
    const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", interceptors: [] });
    const client = createClient(IdentityService, transport);
    const headers = server.auth;
    if (c.seed) await client.createIdentity(fromJson(CreateIdentityRequestSchema, c.seed("connect")), { headers });
    const err = await client.createIdentity(fromJson(CreateIdentityRequestSchema, c.body("connect")), { headers }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    const connectErr = err as ConnectError;
    expect(connectErr.code).toBe(c.grpc);
    expect(connectErr.findDetails(ErrorInfoSchema)[0]?.reason).toBe(c.code);
    const paths = connectErr.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field) ?? [];
    for (const path of c.violations ?? []) expect(paths).toContain(path);
  });
});

describe("REST request shape errors", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    rest(server.baseUrl, "POST", "/v1/identities", body, { ...server.auth, ...headers });

  it.each([
    ["an unknown top-level field", { identity: { email: "u@example.com" }, nickname: "x" }, "nickname"],
    ["an unknown identity field", { identity: { email: "u@example.com", nick: "x" } }, "nick"],
    ["a wrong type", { identity: { email: 42 } }, "email"],
    ["a wrong type for validate_only", { identity: { email: "u@example.com" }, validate_only: "yes" }, "validate_only"],
    ["an output-only timestamp", { identity: { email: "ts@example.com", created_at: "2026-01-01T00:00:00Z" } }, "created_at"],
  ])("400 AVNOLOGY_AUTH_902 for %s, naming it", async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field } });
  });

  it("400 AVNOLOGY_AUTH_902 for malformed JSON, without echoing the body", async () => {
    const res = await post('{"identity": {"email": "a@example.com"}, "initial_password": "Sekr3t-Value', {});
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "body" } });
    expect(res.text).not.toContain("Sekr3t");
  });

  it("415 AVNOLOGY_AUTH_903 for a non-JSON Content-Type", async () => {
    const res = await post("email=a@example.com", { "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(415);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_903", status: 415 });
  });

  it("413 AVNOLOGY_AUTH_904 for a body over 1 MiB", async () => {
    const res = await post({ identity: { email: "big@example.com", traits: { blob: "x".repeat(1024 * 1024) } } });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_904", status: 413 });
  });
});

describe("Connect protocol JSON request shape errors", () => {
  it.each([
    ["an unknown field", '{"identity": {"email": "c@example.com", "nick": "x"}}', "identity.nick"],
    ["a wrong type", '{"identity": {"email": 7}}', "identity.email"],
    ["malformed JSON", '{"identity": ', "body"],
  ])("answer invalid_argument with ErrorInfo 902 and BadRequest for %s", async (_name, body, field) => {
    const res = await fetch(`${server.baseUrl}/avnology.identity.v1.IdentityService/CreateIdentity`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1", ...server.auth },
      body,
    });
    expect(res.status).toBe(400);
    const err = errorFromJson((await res.json()) as JsonValue, undefined, new ConnectError("unparseable", Code.Unknown));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_902");
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toContain(field);
  });
});
