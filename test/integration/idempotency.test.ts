// Idempotency-Key / request_id on every transport: replay, mismatch,
// in-flight, stored errors, validate_only, and takeover of a crashed request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { IdentitySchema } from "../../gen/avnology/identity/v1/identity_pb.js";
import { CreateIdentityRequestSchema, IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createGrpcClient, grpcErrorDetails } from "../support/grpc-client.js";
import { rest, specExampleBody } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
let grpcClient: ReturnType<typeof createGrpcClient>;
let connectClient: ReturnType<typeof createClient<typeof IdentityService>>;

beforeAll(async () => {
  server = await startTestServer();
  grpcClient = createGrpcClient(IdentityService, server.port);
  connectClient = createClient(IdentityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
});
afterAll(async () => {
  grpcClient?.close();
  await server?.close();
});

/** The spec's example body as a protobuf init, for Connect and gRPC. */
function exampleInit(email: string) {
  const body = specExampleBody(email);
  return {
    identity: {
      email,
      firstName: body.identity.first_name,
      lastName: body.identity.last_name,
      phone: body.identity.phone,
      organizationId: body.identity.organization_id,
      traits: body.identity.traits,
    },
    initialPassword: body.initial_password,
  };
}

const post = (body: unknown, key?: string) =>
  rest(server.baseUrl, "POST", "/v1/identities", body, { ...server.auth, ...(key === undefined ? {} : { "Idempotency-Key": key }) });

describe("replay", () => {
  it("answers a retried REST create with the same 201 body and Idempotent-Replayed: true, making one identity", async () => {
    const body = specExampleBody("replay.rest@example.com");
    const first = await post(body, "replay-rest-1");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await post(body, "replay-rest-1");
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect(await server.db.collection("identities").countDocuments({ email: "replay.rest@example.com" })).toBe(1);
  });

  it("replays across transports: the header, gRPC metadata and request_id are one key", async () => {
    const email = "replay.cross@example.com";
    const first = await post(specExampleBody(email), "replay-cross-1");
    expect(first.status).toBe(201);

    let replayedHeader: string | null = null;
    const viaConnect = await connectClient.createIdentity(
      { ...exampleInit(email), requestId: "replay-cross-1" },
      { headers: server.auth, onHeader: (h) => (replayedHeader = h.get("idempotent-replayed")) },
    );
    expect(viaConnect.id).toBe(first.json.id);
    expect(viaConnect.createdAt).toBeDefined();
    expect(replayedHeader).toBe("true");

    const viaGrpc = await grpcClient.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, exampleInit(email), {
      ...server.auth,
      "idempotency-key": "replay-cross-1",
    });
    expect(viaGrpc.error).toBeUndefined();
    expect(viaGrpc.response?.id).toBe(first.json.id);
    expect(viaGrpc.metadata.get("idempotent-replayed")).toEqual(["true"]);
    expect(await server.db.collection("identities").countDocuments({ email })).toBe(1);
  });

  it("stores and replays a validation error (4xx), with the replay header", async () => {
    const body = { identity: { email: "not-an-email" } };
    const first = await post(body, "replay-error-1");
    expect(first.status).toBe(400);
    const again = await post(body, "replay-error-1");
    expect(again.status).toBe(400);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("a replay answers the headers of the first answer", () => {
  it("REST: the ETag", async () => {
    const body = specExampleBody("replay.etag.rest@example.com");
    const first = await post(body, "etag-rest");
    expect(first.headers.get("etag")).toBe('"v1"');
    const again = await post(body, "etag-rest");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("etag")).toBe('"v1"');
  });

  it("REST: the ETag of an update", async () => {
    const created = await post(specExampleBody("replay.etag.update@example.com"));
    const patch = () =>
      rest(server.baseUrl, "PATCH", `/v1/identities/${created.json.id}`, { display_name: "Renamed" }, { ...server.auth, "Idempotency-Key": "etag-patch" });
    const first = await patch();
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toBe('"v2"');
    const again = await patch();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("etag")).toBe('"v2"');
  });

  it("Connect: the etag response header", async () => {
    const init = { ...exampleInit("replay.etag.connect@example.com"), requestId: "etag-connect" };
    const headersOf = async () => {
      let etag: string | null = null;
      let replayed: string | null = null;
      await connectClient.createIdentity(init, { headers: server.auth, onHeader: (h) => ((etag = h.get("etag")), (replayed = h.get("idempotent-replayed"))) });
      return { etag, replayed };
    };
    expect(await headersOf()).toEqual({ etag: '"v1"', replayed: null });
    expect(await headersOf()).toEqual({ etag: '"v1"', replayed: "true" });
  });

  it("gRPC (grpc-js): the etag metadata", async () => {
    const md = { ...server.auth, "idempotency-key": "etag-grpc" };
    const init = exampleInit("replay.etag.grpc@example.com");
    const first = await grpcClient.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, init, md);
    expect(first.metadata.get("etag")).toEqual(['"v1"']);
    const again = await grpcClient.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, init, md);
    expect(again.metadata.get("idempotent-replayed")).toEqual(["true"]);
    expect(again.metadata.get("etag")).toEqual(['"v1"']);
  });
});

describe("same key, different request → 422 AVNOLOGY_AUTH_030", () => {
  it("on REST", async () => {
    expect((await post(specExampleBody("mismatch.a@example.com"), "mismatch-rest")).status).toBe(201);
    const res = await post(specExampleBody("mismatch.b@example.com"), "mismatch-rest");
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_030", status: 422, details: { field: "Idempotency-Key" } });
    expect(await server.db.collection("identities").countDocuments({ email: "mismatch.b@example.com" })).toBe(0);
  });

  it("on Connect", async () => {
    await connectClient.createIdentity({ ...exampleInit("mismatch.c@example.com"), requestId: "mismatch-connect" }, { headers: server.auth });
    const err = await connectClient
      .createIdentity({ ...exampleInit("mismatch.d@example.com"), requestId: "mismatch-connect" }, { headers: server.auth })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((err as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_030");
  });

  it("on gRPC (grpc-js)", async () => {
    const md = { ...server.auth, "idempotency-key": "mismatch-grpc" };
    const first = await grpcClient.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, exampleInit("mismatch.e@example.com"), md);
    expect(first.error).toBeUndefined();
    const second = await grpcClient.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, exampleInit("mismatch.f@example.com"), md);
    expect(second.error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(grpcErrorDetails(second.error!).errorInfo?.reason).toBe("AVNOLOGY_AUTH_030");
  });
});

describe("same key while the first runs → 409 AVNOLOGY_AUTH_031", () => {
  // Concurrent identical requests: the first holds the key while Argon2id
  // hashes its password; the others arrive meanwhile.
  const concurrency = 12;

  it("on REST", async () => {
    const body = specExampleBody("inflight.rest@example.com");
    const answers = await Promise.all(Array.from({ length: concurrency }, () => post(body, "inflight-rest")));
    const created = answers.filter((a) => a.status === 201);
    const inFlight = answers.filter((a) => a.status === 409);
    expect(created.length + inFlight.length).toBe(concurrency);
    expect(new Set(created.map((a) => a.json.id)).size).toBe(1);
    expect(inFlight.length).toBeGreaterThan(0);
    for (const a of inFlight) {
      expect(a.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_031", status: 409, details: { field: "Idempotency-Key", retry_after_seconds: 1 } });
      expect(a.headers.get("retry-after")).toBe("1");
    }
  });

  it("on Connect", async () => {
    const init = { ...exampleInit("inflight.connect@example.com"), requestId: "inflight-connect" };
    const answers = await Promise.all(
      Array.from({ length: concurrency }, () => connectClient.createIdentity(init, { headers: server.auth }).catch((e: unknown) => e)),
    );
    const errors = answers.filter((a): a is ConnectError => a instanceof ConnectError);
    const ids = new Set(answers.filter((a) => !(a instanceof ConnectError)).map((a) => (a as { id: string }).id));
    expect(ids.size).toBe(1);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.code).toBe(Code.Aborted);
      expect(e.findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_031");
      expect(e.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBe(1n);
    }
  });

  it("on gRPC (grpc-js)", async () => {
    const md = { ...server.auth, "idempotency-key": "inflight-grpc" };
    const init = exampleInit("inflight.grpc@example.com");
    const answers = await Promise.all(
      Array.from({ length: concurrency }, () => grpcClient.call("createIdentity", CreateIdentityRequestSchema, IdentitySchema, init, md)),
    );
    const errors = answers.filter((a) => a.error).map((a) => a.error!);
    expect(new Set(answers.filter((a) => a.response).map((a) => a.response!.id)).size).toBe(1);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.code).toBe(grpc.status.ABORTED);
      expect(grpcErrorDetails(e).errorInfo?.reason).toBe("AVNOLOGY_AUTH_031");
    }
  });
});

describe("keys that are not used", () => {
  it("validate_only neither uses nor consumes a key", async () => {
    const body = specExampleBody("validate.only@example.com");
    const dry = await post({ ...body, validate_only: true }, "validate-only-1");
    expect(dry.status).toBe(200);
    expect(dry.json.id).toBe("");
    // Another dry run with another body under the same key: no 422.
    const otherDry = await post({ ...specExampleBody("other.dry@example.com"), validate_only: true }, "validate-only-1");
    expect(otherDry.status).toBe(200);
    // The key is still free: the real request runs (not a replay).
    const real = await post(body, "validate-only-1");
    expect(real.status).toBe(201);
    expect(real.headers.get("idempotent-replayed")).toBeNull();
    expect(real.json.id).toMatch(/^usr_/);
  });

  it.each([
    ["an empty key", ""],
    ["a key of 256 characters", "k".repeat(256)],
    ["a non-ASCII key", "clé"],
  ])("rejects %s with 400 AVNOLOGY_AUTH_902 on Idempotency-Key", async (_name, key) => {
    const res = await post(specExampleBody("bad.key@example.com"), key);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "Idempotency-Key" } });
  });

  it.each([
    ["an empty key", ""],
    ["a key of 256 characters", "k".repeat(256)],
    ["a non-ASCII key", "clé"],
  ])("rejects %s on a validate_only create too (same rules as a real create)", async (_name, key) => {
    const res = await post({ ...specExampleBody("bad.key.dry@example.com"), validate_only: true }, key);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "Idempotency-Key" } });
  });

  it("rejects a 256-character request_id on a validate_only create over Connect", async () => {
    const err = await connectClient
      .createIdentity({ ...exampleInit("bad.key.connect@example.com"), validateOnly: true, requestId: "k".repeat(256) }, { headers: server.auth })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("AVNOLOGY_AUTH_902");
  });

  it("rejects a header and a request_id that differ", async () => {
    const res = await post({ ...specExampleBody("two.keys@example.com"), request_id: "one" }, "two");
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_902", details: { field: "Idempotency-Key" } });
  });
});

describe("a crashed request", () => {
  const records = () => server.db.collection<{ _id: string; [field: string]: unknown }>("idempotency_records");

  /** Makes the record of `key`'s finished create look like its run died while in progress (lease still held). */
  async function asIfCrashed(email: string, key: string, change: { deleteIdentity: boolean; keepPlan: boolean }) {
    const first = await post(specExampleBody(email), key);
    expect(first.status).toBe(201);
    const [record] = await records().find({}).sort({ created_at: -1 }).limit(1).toArray();
    expect(record!["planned_id"]).toBe(first.json.id); // recorded before the insert
    await records().updateOne(
      { _id: record!["_id"] },
      {
        $set: { state: "in_progress", lease: "crashed", lease_expires_at: new Date(Date.now() + 60_000) },
        $unset: { outcome: "", ...(change.keepPlan ? {} : { planned_id: "" }) },
      },
    );
    if (change.deleteIdentity) await server.db.collection("identities").deleteOne({ _id: first.json.id });
    return { first, recordId: record!["_id"] };
  }
  const expireLease = (recordId: string) => records().updateOne({ _id: recordId }, { $set: { lease_expires_at: new Date(Date.now() - 1) } });

  it("before it planned an id: blocks its key until the lease expires, then is taken over and runs afresh", async () => {
    const email = "crashed.request@example.com";
    const { first, recordId } = await asIfCrashed(email, "crashed-1", { deleteIdentity: true, keepPlan: false });

    const blocked = await post(specExampleBody(email), "crashed-1");
    expect(blocked.status).toBe(409);
    expect(blocked.json.error.code).toBe("AVNOLOGY_AUTH_031");

    await expireLease(recordId);
    const takenOver = await post(specExampleBody(email), "crashed-1");
    expect(takenOver.status).toBe(201);
    expect(takenOver.headers.get("idempotent-replayed")).toBeNull();
    expect(takenOver.json.id).not.toBe(first.json.id);
    const after = await records().findOne({ _id: recordId });
    expect(after).toMatchObject({ state: "done" });
    expect(after!["lease"]).not.toBe("crashed");

    const replay = await post(specExampleBody(email), "crashed-1");
    expect(replay.json.id).toBe(takenOver.json.id);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("after it planned an id but before the insert: the retry creates the identity under that id", async () => {
    const email = "crashed.planned@example.com";
    const { first, recordId } = await asIfCrashed(email, "crashed-2", { deleteIdentity: true, keepPlan: true });
    await expireLease(recordId);
    const retry = await post(specExampleBody(email), "crashed-2");
    expect(retry.status).toBe(201);
    expect(retry.json.id).toBe(first.json.id);
    expect(retry.headers.get("etag")).toBe('"v1"');
    expect(await server.db.collection("identities").countDocuments({ email })).toBe(1);
  });

  it("after the insert, before recording the outcome: the retry answers 201 with that identity, not 409 014", async () => {
    const email = "crashed.inserted@example.com";
    const { first, recordId } = await asIfCrashed(email, "crashed-3", { deleteIdentity: false, keepPlan: true });
    await expireLease(recordId);
    const retry = await post(specExampleBody(email), "crashed-3");
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(await server.db.collection("identities").countDocuments({ email })).toBe(1);
    const replay = await post(specExampleBody(email), "crashed-3");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.id).toBe(first.json.id);
  });

  it.each([
    ["a server-made id", ""],
    ["a chosen id", "?organization_id=org_crashed-chosen"],
  ])("CreateOrganization with %s, after the insert: the retry answers 201 with that organization", async (_name, query) => {
    const key = `crashed-org${query === "" ? "" : "-chosen"}`;
    const createOrg = () =>
      rest(server.baseUrl, "POST", `/v1/organizations${query}`, { name: `Crashed ${key}` }, { ...server.auth, "Idempotency-Key": key });
    const first = await createOrg();
    expect(first.status).toBe(201);
    const record = await records().findOne({ planned_id: first.json.id });
    expect(record).not.toBeNull();
    await records().updateOne(
      { _id: record!._id },
      { $set: { state: "in_progress", lease: "crashed", lease_expires_at: new Date(Date.now() - 1) }, $unset: { outcome: "" } },
    );
    const retry = await createOrg();
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(await server.db.collection("organizations").countDocuments({ name: `Crashed ${key}` })).toBe(1);
  });

  it("an abandoned record of another request under the same key answers 422 030, never runs", async () => {
    const { recordId } = await asIfCrashed("crashed.other.a@example.com", "crashed-4", { deleteIdentity: false, keepPlan: true });
    await expireLease(recordId);
    const other = await post(specExampleBody("crashed.other.b@example.com"), "crashed-4");
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe("AVNOLOGY_AUTH_030");
    expect(await server.db.collection("identities").countDocuments({ email: "crashed.other.b@example.com" })).toBe(0);
  });

  it("an expired record counts as absent", async () => {
    const email = "expired.record@example.com";
    const first = await post(specExampleBody(email), "expired-1");
    const records = server.db.collection("idempotency_records");
    const [record] = await records.find({}).sort({ created_at: -1 }).limit(1).toArray();
    await records.updateOne({ _id: record!["_id"] }, { $set: { expires_at: new Date(Date.now() - 1) } });
    // Runs again (and, the email being taken now, answers 409 014: not a replay).
    const again = await post(specExampleBody(email), "expired-1");
    expect(first.status).toBe(201);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("AVNOLOGY_AUTH_014");
    expect(again.headers.get("idempotent-replayed")).toBeNull();
  });
});
