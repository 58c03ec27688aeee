// Issue 9 item 5: requests connect-es cannot decode are the caller's fault:
// 400 / INVALID_ARGUMENT with AVNOLOGY_AUTH_902 and its ErrorInfo on every
// transport (they answered 500 "parse binary: premature EOF" / INTERNAL),
// logged as a client error; unsupported content types 415 with 903; header
// lists over the limit 431 / RESOURCE_EXHAUSTED with 907 instead of a reset.
// Issue 11: grpc-js callers read grpc-message exactly (not "%3A" for ":").
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { AppError } from "../../src/domain/errors.js";
import { createLogger } from "../../src/logger.js";
import { createConnectHandler } from "../../src/transport/connect/connect-handler.js";
import { encodeGrpcMessage } from "../../src/transport/connect/grpc-message.js";
import { registerService } from "../../src/transport/method-pipeline.js";
import { listen, type RunningServer } from "../../src/transport/server.js";
import { connectCall, createRawGrpcClient, envelope, grpcWebCall } from "../support/raw-rpc.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const getIdentity = "/avnology.identity.v1.IdentityService/GetIdentity";
const createIdentity = "/avnology.identity.v1.IdentityService/CreateIdentity";
const garbage = Buffer.from([0xff, 0xff, 0xff]);

let server: TestServer;
const logLines: string[] = [];
beforeAll(async () => {
  server = await startTestServer({}, { logLines });
});
afterAll(async () => {
  await server?.close();
});

describe("undecodable requests answer 902 on every transport", () => {
  const credentials = [
    { name: "without credentials", headers: (): Record<string, string> => ({}) },
    { name: "with credentials", headers: (): Record<string, string> => ({ ...server.auth }) },
  ];

  it.each(credentials)("Connect application/proto ff ff ff, $name", async ({ headers }) => {
    const answer = await connectCall(server.baseUrl, getIdentity, garbage, headers());
    expect(answer).toMatchObject({ status: 400, code: "invalid_argument", reason: "AVNOLOGY_AUTH_902" });
  });

  it.each(credentials)("gRPC ff ff ff through grpc-js, $name", async ({ headers }) => {
    const client = createRawGrpcClient(server.port);
    try {
      const answer = await client.call(getIdentity, garbage, headers());
      expect(answer).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: "AVNOLOGY_AUTH_902" });
    } finally {
      client.close();
    }
  });

  it.each(credentials)("gRPC-Web ff ff ff, $name", async ({ headers }) => {
    const answer = await grpcWebCall(server.baseUrl, getIdentity, envelope(garbage), headers());
    expect(answer).toMatchObject({ status: 200, code: grpc.status.INVALID_ARGUMENT, reason: "AVNOLOGY_AUTH_902" });
  });

  const malformed = [
    { name: "Connect JSON, gzip that does not decompress", call: () => connectCall(server.baseUrl, createIdentity, garbage, { "content-type": "application/json", "content-encoding": "gzip" }) },
    { name: "Connect proto, truncated varint", call: () => connectCall(server.baseUrl, createIdentity, Buffer.from([0x0a, 0x80])) },
    { name: "gRPC-Web, envelope promising more bytes than sent", call: () => grpcWebCall(server.baseUrl, getIdentity, Buffer.from([0, 0, 0, 0, 9, 1])) },
    { name: "gRPC-Web, two messages for a unary method", call: () => grpcWebCall(server.baseUrl, getIdentity, Buffer.concat([envelope(Buffer.alloc(0)), envelope(Buffer.alloc(0))])) },
    { name: "gRPC-Web, compressed flag without an encoding", call: () => grpcWebCall(server.baseUrl, getIdentity, envelope(garbage, 1)) },
    // connect-es compresses its long error trailer when the client accepts gzip (found by the fuzz suite).
    { name: "gRPC-Web, a long unknown grpc-encoding, gzip accepted", call: () => grpcWebCall(server.baseUrl, createIdentity, Buffer.alloc(0), { "grpc-encoding": "y".repeat(2000), "grpc-accept-encoding": "gzip" }) },
    { name: "gRPC-Web, JSON codec with broken JSON", call: () => grpcWebCall(server.baseUrl, getIdentity, envelope(Buffer.from("{\"id\":")), { "content-type": "application/grpc-web+json" }) },
  ];
  it.each(malformed)("$name", async ({ call }) => {
    const answer = await call();
    expect(answer.reason).toBe("AVNOLOGY_AUTH_902");
    expect([400, 200]).toContain(answer.status);
    if (typeof answer.code === "number") expect(answer.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("gRPC: an empty body (no message) is 902 too", async () => {
    const session = http2.connect(server.baseUrl);
    try {
      const stream = session.request({ ":method": "POST", ":path": getIdentity, "content-type": "application/grpc", te: "trailers" });
      stream.end();
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("trailers", resolve));
      stream.resume();
      expect(trailers["grpc-status"]).toBe(String(grpc.status.INVALID_ARGUMENT));
      expect(trailers["grpc-status-details-bin"]).toBeDefined();
    } finally {
      session.close();
    }
  });

  it("logs them as client errors (warn), not server errors", async () => {
    logLines.length = 0;
    await connectCall(server.baseUrl, getIdentity, garbage);
    const entries = logLines.map((l) => JSON.parse(l) as { level: number; code?: string });
    expect(entries.some((e) => e.level === 40 && e.code === "AVNOLOGY_AUTH_902")).toBe(true);
    expect(entries.some((e) => e.level >= 50)).toBe(false);
  });
});

describe("refusals connect-es answers with a bare status carry the catalogue's body", () => {
  it("an unsupported content type answers 415 with 903", async () => {
    const answer = await connectCall(server.baseUrl, getIdentity, "x", { "content-type": "text/plain" });
    expect(answer).toMatchObject({ status: 415, reason: "AVNOLOGY_AUTH_903" });
  });

  it("GET on a method with side effects answers 405 with 906", async () => {
    const res = await fetch(`${server.baseUrl}${createIdentity}?encoding=proto&message=`);
    const { jsonError } = await import("../support/raw-rpc.js");
    expect(res.status).toBe(405);
    expect(jsonError(new Uint8Array(await res.arrayBuffer())).reason).toBe("AVNOLOGY_AUTH_906");
  });
});

describe("oversized metadata answers a clean error instead of a reset", () => {
  const big = "x".repeat(40 * 1024);

  it("gRPC (HTTP/2): RESOURCE_EXHAUSTED with 907", async () => {
    const client = createRawGrpcClient(server.port);
    try {
      const answer = await client.call(getIdentity, Buffer.alloc(0), { "x-big": big });
      expect(answer).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, reason: "AVNOLOGY_AUTH_907" });
    } finally {
      client.close();
    }
  });

  it("Connect over HTTP/1.1: 431 with 907", async () => {
    const answer = await connectCall(server.baseUrl, getIdentity, Buffer.alloc(0), { "x-big": big });
    expect(answer).toMatchObject({ status: 431, reason: "AVNOLOGY_AUTH_907" });
  });

  it("REST over HTTP/1.1: 431 with 907", async () => {
    const res = await fetch(`${server.baseUrl}/v1/identities`, { headers: { ...server.auth, "x-big": big } });
    expect(res.status).toBe(431);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("AVNOLOGY_AUTH_907");
  });
});

describe("grpc-message as the gRPC spec encodes it", () => {
  const message = "Anmeldung nötig: Schlüssel fehlt (key: none; 100% sicher) ✓";
  let bare: RunningServer;

  beforeAll(async () => {
    // The adapter alone, with a pipeline whose caller resolution fails with
    // this message: what any error message with ":" and non-ASCII meets.
    const fail = async () => {
      throw new AppError("AVNOLOGY_AUTH_001", {}, message);
    };
    const impl = Object.fromEntries(IdentityService.methods.map((m) => [m.localName, fail]));
    const registration = registerService(IdentityService, impl as never, {
      callers: { resolve: fail },
      logger: createLogger("silent"),
    });
    const handler = createConnectHandler([registration], { maxBodyBytes: 1024, fallback: (_req, res) => res.end() });
    bare = await listen(handler, 0, "127.0.0.1");
  });
  afterAll(async () => {
    await bare?.close(100);
  });

  it("encodes only bytes outside 0x20–0x7E and %", () => {
    expect(encodeGrpcMessage("a: b/c?d,e;f %")).toBe("a: b/c?d,e;f %25");
    expect(encodeGrpcMessage("ö\n")).toBe("%C3%B6%0A");
  });

  it("grpc-js reads the message exactly", async () => {
    const client = createRawGrpcClient(bare.port);
    try {
      const answer = await client.call(getIdentity, Buffer.alloc(0));
      expect(answer.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(answer.message).toBe(message);
    } finally {
      client.close();
    }
  });

  it("a Connect client over gRPC reads it exactly too", async () => {
    const { createGrpcTransport } = await import("@connectrpc/connect-node");
    const client = createClient(IdentityService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${bare.port}` }));
    await expect(client.getIdentity({ id: "usr_1" })).rejects.toMatchObject({ rawMessage: message });
    const connect = createClient(IdentityService, createConnectTransport({ baseUrl: `http://127.0.0.1:${bare.port}`, httpVersion: "1.1" }));
    await expect(connect.getIdentity({ id: "usr_1" })).rejects.toMatchObject({ rawMessage: message });
  });
});
