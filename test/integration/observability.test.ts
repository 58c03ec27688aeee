// Request ids, one log line per request on every transport (including
// failures before the method pipeline), no secrets or personal values in the
// logs, and the Prometheus metrics those requests leave behind.
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { createGrpcClient } from "../support/grpc-client.js";
import { rest } from "../support/rest.js";
import { createKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { freePort } from "../../scripts/ferretdb-process.mjs";

let server: TestServer;
const logLines: string[] = [];
const logs = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
const requestLines = () => logs().filter((l) => typeof l["request_id"] === "string");

beforeAll(async () => {
  server = await startTestServer({}, { logLines });
});
afterAll(async () => {
  await server?.close();
});

describe("request ids", () => {
  it("echoes a sane x-request-id and logs the request under it", async () => {
    const id = `req-${randomBytes(8).toString("hex")}`;
    const res = await rest(server.baseUrl, "GET", "/v1/identities?page_size=1", undefined, { ...server.auth, "x-request-id": id });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(id);
    const line = requestLines().find((l) => l["request_id"] === id);
    expect(line).toMatchObject({
      rpc: "avnology.identity.v1.IdentityService/ListIdentities",
      protocol: "rest",
      status: 200,
      code: "OK",
      tenant: server.tenantId,
      subject: server.adminKeyId,
      client_address: expect.stringMatching(/127\.0\.0\.1/),
      msg: "request",
    });
    expect(typeof line?.["ms"]).toBe("number");
  });

  it.each([["has spaces in it"], ["x".repeat(500)], ["<script>"]])("replaces an insane x-request-id (%#) with a generated one", async (given) => {
    const res = await fetch(`${server.baseUrl}/healthz`, { headers: { "x-request-id": given } });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("returns the id as gRPC response metadata, on errors too", async () => {
    const Ctor = grpc.makeGenericClientConstructor(
      {
        getIdentity: {
          path: "/avnology.identity.v1.IdentityService/GetIdentity",
          requestStream: false,
          responseStream: false,
          requestSerialize: (m: unknown) => Buffer.from(toBinary(GetIdentityRequestSchema, m as never)),
          requestDeserialize: (b: Buffer) => fromBinary(GetIdentityRequestSchema, b),
          responseSerialize: (m: unknown) => Buffer.from(toBinary(IdentitySchema, m as never)),
          responseDeserialize: (b: Buffer) => fromBinary(IdentitySchema, b),
        },
      },
      "IdentityService",
    );
    const client = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const metadata = new grpc.Metadata();
      for (const [k, v] of Object.entries({ ...server.auth, "x-request-id": "grpc-req-1" })) metadata.set(k, v);
      const { headers, error } = await new Promise<{ headers: grpc.Metadata; error: grpc.ServiceError | null }>((resolve) => {
        let headers = new grpc.Metadata();
        const call = (client as unknown as Record<string, Function>)["getIdentity"]!.call(
          client,
          create(GetIdentityRequestSchema, { id: "usr_missing" }),
          metadata,
          (error: grpc.ServiceError | null) => resolve({ headers, error }),
        ) as grpc.ClientUnaryCall;
        call.on("metadata", (m: grpc.Metadata) => (headers = m));
      });
      expect(error?.code).toBe(grpc.status.NOT_FOUND);
      const sent = [...headers.get("x-request-id"), ...(error?.metadata.get("x-request-id") ?? [])];
      expect(sent).toContain("grpc-req-1");
      const line = requestLines().find((l) => l["request_id"] === "grpc-req-1");
      expect(line).toMatchObject({ protocol: "grpc", code: "AVNOLOGY_AUTH_040", status: 404, grpc_status: 5, tenant: server.tenantId });
    } finally {
      client.close();
    }
  });
});

describe("failures before the method pipeline are logged like the rest", () => {
  it.each([
    ["an unknown route", "GET", "/v1/nothing-here", undefined, "AVNOLOGY_AUTH_905", "unmatched"],
    ["a REST binding error", "GET", "/v1/identities?page_size=many", undefined, "AVNOLOGY_AUTH_902", "avnology.identity.v1.IdentityService/ListIdentities"],
    ["a Connect JSON shape error", "POST", "/avnology.identity.v1.IdentityService/GetIdentity", { id: 5 }, "AVNOLOGY_AUTH_902", "avnology.identity.v1.IdentityService/GetIdentity"],
  ])("%s", async (_name, method, path, body, code, rpc) => {
    const id = `pre-${randomBytes(6).toString("hex")}`;
    const res = await rest(server.baseUrl, method, path, body, { ...server.auth, "x-request-id": id });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("x-request-id")).toBe(id);
    expect(requestLines().find((l) => l["request_id"] === id)).toMatchObject({ code, rpc });
  });
});

describe("logs of a run with keys, passwords, traits and metadata", () => {
  it("never hold a password, key secret, Authorization header, hash, traits or metadata value", async () => {
    const marker = randomBytes(6).toString("hex");
    const secrets: string[] = [server.auth["authorization"]!.replace(/^Bearer /, ""), server.bootstrapAuth["authorization"]!.replace(/^Bearer /, "")];
    const values: string[] = [];
    for (let i = 0; i < 3; i++) {
      const key = await createKey(server, { name: `logged key ${i}` });
      secrets.push(key.secret);
      const password = `Pw-${marker}-${i}-Zq9!long`;
      const trait = `trait-${marker}-${i}`;
      const meta = `meta-${marker}-${i}`;
      const adminMeta = `admin-${marker}-${i}`;
      secrets.push(password);
      values.push(trait, meta, adminMeta);
      const created = await rest(
        server.baseUrl,
        "POST",
        "/v1/identities",
        {
          identity: { email: `logged.${marker}.${i}@example.com`, traits: { team: trait }, metadata: { note: meta }, admin_metadata: { flag: adminMeta } },
          initial_password: password,
        },
        key.auth,
      );
      expect(created.status).toBe(201);
      // A wrong password, a bad key, and the right password over Connect.
      await rest(server.baseUrl, "POST", "/v1/identities:verifyPassword", { email: `logged.${marker}.${i}@example.com`, password: `${password}-wrong` }, key.auth);
      await rest(server.baseUrl, "GET", "/v1/identities", undefined, { authorization: `Bearer ${key.secret}x` });
      const connect = createClient(IdentityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
      await connect.verifyPassword({ email: `logged.${marker}.${i}@example.com`, password }, { headers: key.auth });
    }
    const text = logLines.join("\n");
    expect(text).not.toMatch(/\$argon2/);
    expect(text.toLowerCase()).not.toContain("bearer");
    expect(text.toLowerCase()).not.toContain("authorization");
    for (const secret of [...secrets, ...values]) expect(text).not.toContain(secret);
    // And the run was logged: every request has its line.
    expect(requestLines().filter((l) => l["rpc"] === "avnology.identity.v1.IdentityService/CreateIdentity").length).toBeGreaterThanOrEqual(3);
  });
});

describe("GET /metrics", () => {
  it("counts requests by rpc, protocol and code, and exposes process, hashing, database and cache metrics", async () => {
    await rest(server.baseUrl, "GET", "/v1/no/such/route");
    await rest(server.baseUrl, "GET", "/v1/identities");
    const client = createGrpcClient(IdentityService, server.port);
    await client.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: "usr_missing" }, server.auth);
    client.close();
    const res = await fetch(`${server.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    const has = (pattern: RegExp) => expect(text).toMatch(pattern);
    has(/avnology_rpc_requests_total\{service="",method="unmatched",protocol="rest",code="AVNOLOGY_AUTH_905"\} \d+/);
    has(/avnology_rpc_requests_total\{service="avnology.identity.v1.IdentityService",method="ListIdentities",protocol="rest",code="AVNOLOGY_AUTH_001"\} \d+/);
    has(/avnology_rpc_requests_total\{service="avnology.identity.v1.IdentityService",method="CreateIdentity",protocol="rest",code="OK"\} \d+/);
    has(/avnology_rpc_requests_total\{service="avnology.identity.v1.IdentityService",method="GetIdentity",protocol="grpc",code="AVNOLOGY_AUTH_040"\} \d+/);
    has(/avnology_rpc_duration_seconds_bucket\{le="0.1",service="avnology.identity.v1.IdentityService",method="GetIdentity",protocol="grpc"\} \d+/);
    has(/avnology_password_hash_duration_seconds_count [1-9]/);
    has(/avnology_password_hashes_in_flight \d+/);
    has(/avnology_password_hashes_queued \d+/);
    has(/avnology_password_hash_shed_total \d+/);
    has(/avnology_db_operation_duration_seconds_count\{operation="identities.insert"\} [1-9]/);
    has(/avnology_api_key_cache_total\{result="hit"\} [1-9]/);
    has(/avnology_api_key_cache_total\{result="miss"\} [1-9]/);
    has(/nodejs_eventloop_lag_seconds /);
    has(/nodejs_heap_size_used_bytes /);
    // Never a raw path as a label.
    expect(text).not.toContain("/v1/no/such/route");
  });
});

describe("METRICS_PORT", () => {
  it("serves /metrics on its own port only", async () => {
    const metricsPort = await freePort();
    const separate = await startTestServer({ METRICS_PORT: String(metricsPort) });
    try {
      expect((await fetch(`${separate.baseUrl}/metrics`)).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/avnology_rpc_requests_total\{/);
    } finally {
      await separate.close();
    }
    // Closed with the server.
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });
});
