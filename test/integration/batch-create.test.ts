// BatchCreateIdentities over REST and Connect against the real server and
// database: per-item results in order (a clash with a stored identity and an
// in-batch duplicate both 409 014 on the later item), validate_only writes
// nothing, 1,001 items is a 902 on the call, a replay under the same
// Idempotency-Key answers the same results and creates nothing, a key
// without admin:users:write is refused as a whole, and password_hash without
// admin:users:import is a 403 on its item only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { scopes } from "../../src/auth/caller.js";
import { rest } from "../support/rest.js";
import { createKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const bcryptVector = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
const batch = (body: unknown, headers: Record<string, string> = server.auth) =>
  rest(server.baseUrl, "POST", "/v1/identities:batchCreate", body, headers);
const countWithEmail = (email: string) => server.db.collection("identities").countDocuments({ email });

describe("BatchCreateIdentities over REST", () => {
  it("answers one result per item in order: created, clash with a stored identity, in-batch duplicate", async () => {
    expect((await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "taken@example.com" } }, server.auth)).status).toBe(201);
    const res = await batch({
      requests: [
        { identity: { email: "first@example.com", first_name: "First" } },
        { identity: { email: "Taken@example.com" } },
        { identity: { email: "FIRST@example.com" } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.results).toHaveLength(3);
    expect(res.json.results[0]).toMatchObject({ index: 0, identity: { email: "first@example.com", first_name: "First", updated_at: null } });
    expect(res.json.results[0].identity.id).toMatch(/^usr_/);
    expect(res.json.results[1]).toEqual({
      index: 1,
      error: { code: "AVNOLOGY_AUTH_014", message: expect.any(String), status: 409, details: { field: "email", value: "Taken@example.com" } },
    });
    expect(res.json.results[2]).toMatchObject({ index: 2, error: { code: "AVNOLOGY_AUTH_014", status: 409, details: { field: "email" } } });
    expect(await countWithEmail("first@example.com")).toBe(1);
  });

  it("reports an item's own request_id / validate_only and an invalid field on that item only", async () => {
    const res = await batch({
      requests: [
        { identity: { email: "own-key@example.com" }, request_id: "3f0c8e0e-7c63-4a8b-9d47-2b7a2c5f4e11" },
        { identity: { email: "own-validate@example.com" }, validate_only: true },
        { identity: { email: "not an email" } },
        { identity: { email: "fine@example.com" } },
      ],
    });
    expect(res.status).toBe(200);
    const errors = res.json.results.map((r: { error?: { code: string; details: { field?: string } } }) => r.error && [r.error.code, r.error.details.field]);
    expect(errors).toEqual([["AVNOLOGY_AUTH_902", "request_id"], ["AVNOLOGY_AUTH_902", "validate_only"], ["AVNOLOGY_AUTH_902", "email"], undefined]);
    expect(res.json.results[2].error.details.violations).toEqual([{ field: "identity.email", code: "AVNOLOGY_AUTH_902", message: expect.any(String) }]);
  });

  it("validate_only checks every item and creates nothing", async () => {
    const res = await batch({ validate_only: true, requests: [{ identity: { email: "dry@example.com" } }, { identity: { email: "taken@example.com" } }] });
    expect(res.status).toBe(200);
    expect(res.json.results[0]).toMatchObject({ index: 0, identity: { email: "dry@example.com", id: "" } });
    expect(res.json.results[1]).toMatchObject({ index: 1, error: { code: "AVNOLOGY_AUTH_014" } });
    expect(await countWithEmail("dry@example.com")).toBe(0);
  });

  it("refuses 0 and 1,001 requests as a whole: 902 on requests", async () => {
    for (const n of [0, 1001]) {
      const requests = Array.from({ length: n }, (_, i) => ({ identity: { email: `many.${i}@example.com` } }));
      const res = await batch({ requests });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "requests" } });
    }
    expect(await countWithEmail("many.0@example.com")).toBe(0);
  });

  it("reads a batch body above MAX_BODY_BYTES (1 MiB) up to MAX_BATCH_BODY_BYTES (8 MiB); a single create's stays refused", async () => {
    const padded = (n: number) => Array.from({ length: n }, (_, i) => ({ identity: { email: `big.${i}@example.com`, traits: { note: "x".repeat(1500) } } }));
    const big = await batch({ requests: padded(1001) });
    expect(big.text.length).toBeLessThan(10_000);
    expect(big.status).toBe(400); // read and decoded: refused for its count, not its size
    expect(big.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "requests" } });
    const single = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "big.single@example.com", traits: { note: "x".repeat(1_100_000) } } }, server.auth);
    expect(single.status).toBe(413);
  });

  it("a replay under the same Idempotency-Key answers the same results and creates nothing new", async () => {
    const key = "b1c7a6e2-5d1f-4f0a-8d3e-6a9b2c4d8e10";
    const body = { requests: [{ identity: { email: "replayed@example.com" } }, { identity: { email: "taken@example.com" } }] };
    const first = await batch(body, { ...server.auth, "idempotency-key": key });
    const again = await batch(body, { ...server.auth, "idempotency-key": key });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await countWithEmail("replayed@example.com")).toBe(1);
  });

  it("result_view BATCH_RESULT_VIEW_ID answers only each identity's id and etag", async () => {
    const res = await batch({
      result_view: "BATCH_RESULT_VIEW_ID",
      requests: [{ identity: { email: "view.one@example.com", first_name: "View" } }, { identity: { email: "VIEW.one@example.com" } }],
    });
    expect(res.status).toBe(200);
    const stored = await server.db.collection("identities").findOne({ email: "view.one@example.com" });
    expect(res.json.results[0]).toEqual({ index: 0, identity: { id: String(stored?._id), etag: "v1" } });
    expect(res.json.results[1]).toMatchObject({ index: 1, error: { code: "AVNOLOGY_AUTH_014" } });
    const full = await batch({ result_view: "BATCH_RESULT_VIEW_FULL", requests: [{ identity: { email: "view.two@example.com", first_name: "Two" } }] });
    expect(full.json.results[0]).toMatchObject({ index: 0, identity: { email: "view.two@example.com", first_name: "Two" } });
  });

  it("a key without admin:users:write: 403 for the whole call", async () => {
    const reader = await createKey(server, { scopes: ["admin:users:read"] });
    const res = await batch({ requests: [{ identity: { email: "nope@example.com" } }] }, reader.auth);
    expect(res.status).toBe(403);
    expect(await countWithEmail("nope@example.com")).toBe(0);
  });

  it("password_hash without admin:users:import: 403 on that item only", async () => {
    const writer = await createKey(server, { scopes: scopes.filter((s) => s !== "admin:users:import") });
    const res = await batch(
      { requests: [{ identity: { email: "plain.batch@example.com" } }, { identity: { email: "hashed.batch@example.com" }, password_hash: bcryptVector }] },
      writer.auth,
    );
    expect(res.status).toBe(200);
    expect(res.json.results[0]).toMatchObject({ index: 0, identity: { email: "plain.batch@example.com" } });
    expect(res.json.results[1]).toMatchObject({ index: 1, error: { code: "AVNOLOGY_AUTH_100", status: 403, details: { field: "password_hash" } } });
    expect(res.text).not.toContain(bcryptVector);
    expect(await countWithEmail("hashed.batch@example.com")).toBe(0);
  });
});

describe("BatchCreateIdentities over Connect", () => {
  it("answers the same per-item results", async () => {
    const client = createClient(IdentityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", useBinaryFormat: true }));
    const response = await client.batchCreateIdentities(
      {
        requests: [
          { identity: { email: "rpc.one@example.com" }, initialPassword: "a long passphrase for rpc" },
          { identity: { email: "taken@example.com" } },
          { identity: { email: "RPC.one@example.com" } },
        ],
      },
      { headers: server.auth },
    );
    const summary = response.results.map((r) => [r.index, r.result.case, r.result.case === "error" ? [r.result.value.code, r.result.value.status, r.result.value.details?.field] : r.result.value?.email]);
    expect(summary).toEqual([
      [0, "identity", "rpc.one@example.com"],
      [1, "error", ["AVNOLOGY_AUTH_014", 409, "email"]],
      [2, "error", ["AVNOLOGY_AUTH_014", 409, "email"]],
    ]);
    const stored = await server.db.collection("identities").findOne({ email: "rpc.one@example.com" });
    // A body above MAX_BODY_BYTES is read on this transport too: refused for its count.
    const requests = Array.from({ length: 1001 }, (_, i) => ({ identity: { email: `rpc.big.${i}@example.com`, traits: { note: "x".repeat(1500) } } }));
    await expect(client.batchCreateIdentities({ requests } as never, { headers: server.auth })).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(stored?.["password_hash"]).toMatch(/^\$argon2id\$/);
  });
});

describe("MAX_BATCH_BODY_BYTES", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ MAX_BATCH_BODY_BYTES: "1200000" });
  });
  afterAll(async () => {
    await small?.close();
  });

  it("refuses a batch body above it as a whole: 413 on REST, RESOURCE_EXHAUSTED on Connect", async () => {
    const requests = Array.from({ length: 1000 }, (_, i) => ({ identity: { email: `over.${i}@example.com`, traits: { note: "x".repeat(1500) } } }));
    const res = await rest(small.baseUrl, "POST", "/v1/identities:batchCreate", { requests }, small.auth);
    expect(res.status).toBe(413);
    const client = createClient(IdentityService, createConnectTransport({ baseUrl: small.baseUrl, httpVersion: "1.1", useBinaryFormat: true }));
    await expect(client.batchCreateIdentities({ requests } as never, { headers: small.auth })).rejects.toMatchObject({ code: Code.ResourceExhausted });
    expect(await small.db.collection("identities").countDocuments({ email: "over.0@example.com" })).toBe(0);
  });
});
