// The whole chain end to end: one port, every protocol, the real database.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import {
  CreateIdentityRequestSchema,
  GetIdentityRequestSchema,
  IdentityService,
} from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest, specExampleBody } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const execFileAsync = promisify(execFile);
let server: TestServer;

beforeAll(async () => {
  // Its tenant has the organization the spec's example names.
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("REST", () => {
  it("creates the spec's example identity with 201 and the spec's response shape", async () => {
    const res = await rest(server.baseUrl, "POST", "/v1/identities", specExampleBody("jane.rest@example.com"), {
      ...server.auth,
      "Idempotency-Key": "550e8400-e29b-41d4-a716-446655440000",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = res.json;
    expect(body.id).toMatch(/^usr_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body).toMatchObject({
      email: "jane.rest@example.com",
      first_name: "Jane",
      last_name: "Smith",
      phone: "+14155551234",
      organization_id: "org_7a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
      traits: { department: "Engineering" },
      email_verified: false,
      phone_verified: false,
      state: "active",
      updated_at: null,
      username: "",
    });
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
    expect(Date.now() - Date.parse(body.created_at)).toBeLessThan(60_000);
    // Never the password or its hash, in any spelling.
    expect(res.text).not.toContain("SecureP@ssw0rd!");
    expect(res.text).not.toMatch(/password|argon2/i);
  });

  it("stores the password as an Argon2id PHC string", async () => {
    const res = await rest(server.baseUrl, "POST", "/v1/identities", specExampleBody("hash.check@example.com"), server.auth);
    expect(res.status).toBe(201);
    const doc = await server.db.collection("identities").findOne({ _id: res.json.id });
    expect(doc?.["password_hash"]).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(doc)).not.toContain("SecureP@ssw0rd!");
  });

  it("accepts camelCase field names too", async () => {
    const res = await rest(server.baseUrl, "POST", "/v1/identities", {
      identity: { email: "camel.case@example.com", firstName: "Camel", displayName: "C." },
      initialPassword: "a long enough passphrase",
    }, server.auth);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ first_name: "Camel", display_name: "C." });
  });

  it("reads the identity back with GET /v1/identities/{id}", async () => {
    const created = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "get.me@example.com" } }, server.auth);
    const res = await rest(server.baseUrl, "GET", `/v1/identities/${created.json.id}`, undefined, server.auth);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(created.json);
  });

  it("answers 409 AVNOLOGY_AUTH_014 in exactly the spec's shape for a case-variant duplicate email", async () => {
    const first = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "jane@example.com" } }, server.auth);
    expect(first.status).toBe(201);
    const res = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "Jane@Example.com" } }, server.auth);
    expect(res.status).toBe(409);
    expect(res.json).toEqual({
      error: {
        code: "AVNOLOGY_AUTH_014",
        message: "A user with this email already exists",
        status: 409,
        details: { field: "email", value: "Jane@Example.com" },
      },
    });
  });

  it.each([
    ["missing email", { identity: { first_name: "No" } }],
    ["malformed email", { identity: { email: "not-an-email" } }],
    ["no identity at all", {}],
  ])("answers 400 AVNOLOGY_AUTH_902 for %s", async (_name, body) => {
    const res = await rest(server.baseUrl, "POST", "/v1/identities", body, server.auth);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", status: 400, details: { field: "email" } });
  });

  it("answers a JSON 404 for an unknown route and for a missing identity", async () => {
    const unknown = await rest(server.baseUrl, "GET", "/v1/nothing-here", undefined, server.auth);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_905", status: 404 });
    const missing = await rest(server.baseUrl, "GET", "/v1/identities/usr_00000000-0000-4000-8000-000000000000", undefined, server.auth);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_040", status: 404 });
  });
});

describe("gRPC via @grpc/grpc-js (h2c, prior knowledge)", () => {
  it("creates and reads an identity, and decodes ErrorInfo from grpc-status-details-bin on a duplicate", async () => {
    const client = createGrpcClient(IdentityService, server.port);
    try {
      const created = await client.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, {
        identity: { email: "grpc.user@example.com", firstName: "Grpc" },
        initialPassword: "correct horse battery staple",
      }, server.auth);
      expect(created.error).toBeUndefined();
      expect(created.response?.id).toMatch(/^usr_/);
      expect(created.response?.state).toBe("active");

      const got = await client.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: created.response!.id }, server.auth);
      expect(got.response?.email).toBe("grpc.user@example.com");

      const dup = await client.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, {
        identity: { email: "GRPC.user@example.com" },
      }, server.auth);
      expect(dup.error?.code).toBe(grpc.status.ALREADY_EXISTS);
      const { errorInfo } = grpcErrorDetails(dup.error!);
      expect(errorInfo?.reason).toBe("AVNOLOGY_AUTH_014");
      expect(errorInfo?.domain).toBe("id.avnology.net");
      expect(errorInfo?.metadata).toMatchObject({ field: "email", value: "GRPC.user@example.com" });
    } finally {
      client.close();
    }
  });
});

describe("Connect clients", () => {
  // Sends server.auth on every call, as a client would send its key.
  const auth: Interceptor = (next) => (req) => {
    for (const [name, value] of Object.entries(server.auth)) req.header.set(name, value);
    return next(req);
  };
  const transports = {
    "Connect JSON over HTTP/1.1": () =>
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors: [auth] }),
    "Connect binary over HTTP/1.1": () =>
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors: [auth] }),
    "Connect JSON over HTTP/2": () =>
      createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", useBinaryFormat: false, interceptors: [auth] }),
    "gRPC-Web binary over HTTP/1.1": () =>
      createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors: [auth] }),
    "gRPC (connect-node) over HTTP/2": () => createGrpcTransport({ baseUrl: server.baseUrl, interceptors: [auth] }),
  };

  it.each(Object.entries(transports))("%s: create, get, and ALREADY_EXISTS with ErrorInfo", async (name, makeTransport) => {
    const client = createClient(IdentityService, makeTransport());
    const email = `${name.replace(/\W+/g, "-").toLowerCase()}@example.com`;
    const created = await client.createIdentity({ identity: { email, lastName: "Connect" } });
    expect(created.id).toMatch(/^usr_/);
    expect(created.createdAt).toBeDefined();
    const got = await client.getIdentity({ id: created.id });
    expect(got).toEqual(created);

    const err = await client.createIdentity({ identity: { email: email.toUpperCase() } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    const connectErr = err as ConnectError;
    expect(connectErr.code).toBe(Code.AlreadyExists);
    const [info] = connectErr.findDetails(ErrorInfoSchema);
    expect(info?.reason).toBe("AVNOLOGY_AUTH_014");
  });
});

describe("buf curl (npm @bufbuild/buf)", () => {
  const buf = new URL("../../node_modules/.bin/buf", import.meta.url).pathname;
  const root = new URL("../..", import.meta.url).pathname;
  const url = (method: string) => `${server.baseUrl}/avnology.identity.v1.IdentityService/${method}`;
  const headerArgs = () => Object.entries(server.auth).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);

  it("creates over gRPC (h2c) and maps ALREADY_EXISTS to exit code 48", async () => {
    const data = JSON.stringify({ identity: { email: "buf.curl@example.com" } });
    const args = ["curl", ...headerArgs(), "--schema", root, "--protocol", "grpc", "--http2-prior-knowledge", "-d", data, url("CreateIdentity")];
    const { stdout } = await execFileAsync(buf, args, { cwd: root });
    const created = JSON.parse(stdout);
    expect(created.email).toBe("buf.curl@example.com");
    expect(created.id).toMatch(/^usr_/);

    const dup = await execFileAsync(buf, args, { cwd: root }).then(
      () => ({ code: 0 }),
      (e: { code: number }) => e,
    );
    expect(dup.code).toBe(8 * Code.AlreadyExists);
  });

  it("reads over Connect on HTTP/1.1", async () => {
    const created = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "buf.get@example.com" } }, server.auth);
    const { stdout } = await execFileAsync(
      buf,
      ["curl", ...headerArgs(), "--schema", root, "--protocol", "connect", "-d", JSON.stringify({ id: created.json.id }), url("GetIdentity")],
      { cwd: root },
    );
    expect(JSON.parse(stdout)).toMatchObject({ id: created.json.id, email: "buf.get@example.com" });
  });
});

describe("without credentials", () => {
  it("refuses calls that carry no credentials with 401 and WWW-Authenticate, on REST and gRPC", async () => {
    const res = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "x@example.com" } });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_001");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="avnology"');
    const grpcClient = createGrpcClient(IdentityService, server.port);
    try {
      const result = await grpcClient.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: "usr_x" });
      expect(result.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(grpcErrorDetails(result.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_001");
    } finally {
      grpcClient.close();
    }
  });
});
