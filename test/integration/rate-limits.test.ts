// Rate limits as a client sees them: 429 AVNOLOGY_AUTH_021 with Retry-After
// and the IETF RateLimit / RateLimit-Policy fields on REST, RESOURCE_EXHAUSTED
// with ErrorInfo, RetryInfo and QuotaFailure on gRPC and Connect, the
// stricter password budget, and recovery after Retry-After. Each test gets a
// fresh server, so a fresh budget.
import { afterEach, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { GetIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { ErrorInfoSchema, QuotaFailureSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest, specExampleBody } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

// 2 requests per second, burst 3: a bucket refills fully in 2 s (w=2).
const limits = {
  RATE_LIMIT_CREDENTIAL_RPS: "2",
  RATE_LIMIT_CREDENTIAL_BURST: "3",
  RATE_LIMIT_TENANT_RPS: "1000",
  RATE_LIMIT_TENANT_BURST: "1000",
  RATE_LIMIT_PASSWORD_RPS: "1",
  RATE_LIMIT_PASSWORD_BURST: "2",
};
const missingId = "usr_00000000-0000-4000-8000-000000000000";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("REST", () => {
  it("answers a burst over the limit with 429 and the standard headers, and recovers after Retry-After", async () => {
    server = await startTestServer(limits);
    const get = () => rest(server!.baseUrl, "GET", `/v1/identities/${missingId}`, undefined, server!.auth);

    const first = await get();
    expect(first.status).toBe(404); // allowed: the method ran
    expect(first.headers.get("ratelimit-policy")).toBe('"credential";q=3;w=2, "tenant";q=1000;w=1');
    expect(first.headers.get("ratelimit")).toBe('"credential";r=2;t=1');
    await get();
    const third = await get();
    expect(third.status).toBe(404);
    expect(third.headers.get("ratelimit")).toMatch(/^"credential";r=0;t=[12]$/);

    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({
      error: {
        code: "AVNOLOGY_AUTH_021",
        message: "Rate limit exceeded",
        status: 429,
        details: { retry_after_seconds: 1 },
      },
    });
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit-policy")).toBe('"credential";q=3;w=2, "tenant";q=1000;w=1');
    expect(refused.headers.get("ratelimit")).toMatch(/^"credential";r=0;t=[12]$/);

    await sleep(Number(refused.headers.get("retry-after")) * 1000);
    const recovered = await get();
    expect(recovered.status).toBe(404);
  });

  it("limits password hashing more strictly, without touching other calls", async () => {
    server = await startTestServer({ ...limits, RATE_LIMIT_CREDENTIAL_BURST: "20", RATE_LIMIT_CREDENTIAL_RPS: "20" });
    const create = (n: number) =>
      rest(server!.baseUrl, "POST", "/v1/identities", specExampleBody(`pw.budget.${n}@example.com`), server!.auth);
    expect((await create(1)).status).toBe(201);
    expect((await create(2)).status).toBe(201);
    const refused = await create(3);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe("AVNOLOGY_AUTH_021");
    expect(refused.headers.get("ratelimit")).toBe('"password";r=0;t=2');
    expect(refused.headers.get("ratelimit-policy")).toContain('"password";q=2;w=2');

    // Creating without a password, and reading, still pass.
    const noPassword = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "no.pw@example.com" } }, server.auth);
    expect(noPassword.status).toBe(201);
    expect((await rest(server.baseUrl, "GET", `/v1/identities/${noPassword.json.id}`, undefined, server.auth)).status).toBe(200);
  });

  it("does not consume an Idempotency-Key on a 429: the retry runs", async () => {
    server = await startTestServer({ ...limits, RATE_LIMIT_CREDENTIAL_BURST: "20", RATE_LIMIT_CREDENTIAL_RPS: "20" });
    const post = (n: number, key: string) =>
      rest(server!.baseUrl, "POST", "/v1/identities", specExampleBody(`pw.key.${n}@example.com`), { ...server!.auth, "Idempotency-Key": key });
    await post(1, "k1");
    await post(2, "k2");
    const refused = await post(3, "k3");
    expect(refused.status).toBe(429);
    await sleep(Number(refused.headers.get("retry-after")) * 1000);
    const retried = await post(3, "k3");
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("gRPC and Connect", () => {
  it("grpc-js gets RESOURCE_EXHAUSTED with ErrorInfo, RetryInfo and QuotaFailure", async () => {
    server = await startTestServer(limits);
    const client = createGrpcClient(IdentityService, server.port);
    try {
      const call = () => client.call("getIdentity", GetIdentityRequestSchema, IdentitySchema, { id: missingId }, server!.auth);
      for (let i = 0; i < 3; i++) expect((await call()).error?.code).toBe(grpc.status.NOT_FOUND);
      const refused = await call();
      expect(refused.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      const details = grpcErrorDetails(refused.error!);
      expect(details.errorInfo?.reason).toBe("AVNOLOGY_AUTH_021");
      expect(details.errorInfo?.metadata).toMatchObject({ policy: "credential" });
      expect(details.retryInfo?.retryDelay?.seconds).toBe(1n);
      expect(details.quotaFailure?.violations).toEqual([
        expect.objectContaining({ subject: "credential", description: "2 requests per second, burst 3" }),
      ]);
    } finally {
      client.close();
    }
  });

  it("Connect gets RESOURCE_EXHAUSTED with the same details, and RateLimit headers on success", async () => {
    server = await startTestServer(limits);
    const client = createClient(IdentityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
    let policy: string | null = null;
    const created = await client.createIdentity(
      { identity: { email: "connect.rl@example.com" } },
      { headers: server.auth, onHeader: (h) => (policy = h.get("ratelimit-policy")) },
    );
    expect(created.id).toMatch(/^usr_/);
    expect(policy).toBe('"credential";q=3;w=2, "tenant";q=1000;w=1');
    await client.getIdentity({ id: created.id }, { headers: server.auth });
    await client.getIdentity({ id: created.id }, { headers: server.auth });
    const err = await client.getIdentity({ id: created.id }, { headers: server.auth }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    const connectErr = err as ConnectError;
    expect(connectErr.code).toBe(Code.ResourceExhausted);
    expect(connectErr.findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_021");
    expect(connectErr.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBe(1n);
    expect(connectErr.findDetails(QuotaFailureSchema)[0]?.violations[0]?.subject).toBe("credential");
    expect(connectErr.metadata.get("retry-after")).toBe("1");
    expect(connectErr.metadata.get("ratelimit")).toMatch(/^"credential";r=0;t=[12]$/);
  });
});
