// Issue 9 item 4: what one client address can hold on HTTP/2. A client that
// resets streams past its budget loses its session and may open no new one
// for the penalty, while other addresses are served; new sessions per
// address are metered; streams per session are capped; and a stream reset
// before its request is complete never reaches the pipeline (no credential
// check, database or hashing). Latency under attack is measured in
// bench/rapid-reset.ts, not here.
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/avnology/identity/v1/identity_service_pb.js";
import { AppError } from "../../src/domain/errors.js";
import { createLogger } from "../../src/logger.js";
import { createConnectHandler } from "../../src/transport/connect/connect-handler.js";
import { defaultConnectionLimits } from "../../src/transport/connection-limits.js";
import { registerService } from "../../src/transport/method-pipeline.js";
import { listen, type RunningServer } from "../../src/transport/server.js";
import { envelope } from "../support/raw-rpc.js";

const getIdentity = "/avnology.identity.v1.IdentityService/GetIdentity";
let server: RunningServer;
let pipelineRuns = 0;

beforeAll(async () => {
  // The adapter and the server alone: the pipeline's first step (caller
  // resolution) counts how often it runs and refuses.
  const resolve = async () => {
    pipelineRuns++;
    throw new AppError("AVNOLOGY_AUTH_001");
  };
  const impl = Object.fromEntries(IdentityService.methods.map((m) => [m.localName, resolve]));
  const registration = registerService(IdentityService, impl as never, { callers: { resolve }, logger: createLogger("silent") });
  const handler = createConnectHandler([registration], { maxBodyBytes: 1024, fallback: (_req, res) => res.end() });
  server = await listen(handler, 0, "127.0.0.1", {
    ...defaultConnectionLimits,
    // A penalized address's connections are held unread until this closes them.
    headersTimeoutMs: 1_000,
    h2ResetBurstPerAddress: 20,
    h2ResetsPerSecondPerAddress: 0.01,
    h2ResetPenaltyMs: 600_000,
    h2SessionBurstPerAddress: 3,
    h2SessionsPerSecondPerAddress: 0.01,
  });
});
afterAll(async () => {
  await server?.close(100);
});

function connect(localAddress: string): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${server.port}`, {
    createConnection: () => net.connect({ port: server.port, host: "127.0.0.1", localAddress }),
  });
  session.on("error", () => undefined);
  return session;
}

/** A complete gRPC call; resolves with its grpc-status, or "closed" when the session or stream was ended. */
function call(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve) => {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({ ":method": "POST", ":path": getIdentity, "content-type": "application/grpc", te: "trailers" });
    } catch {
      return resolve("closed");
    }
    let status = "closed";
    stream.on("trailers", (t) => (status = String(t["grpc-status"])));
    stream.on("response", (h) => h["grpc-status"] !== undefined && (status = String(h["grpc-status"])));
    stream.on("error", () => undefined);
    stream.on("close", () => resolve(status));
    stream.resume();
    stream.end(envelope(Buffer.alloc(0)));
  });
}

function closed(session: http2.ClientHttp2Session): Promise<void> {
  return session.destroyed ? Promise.resolve() : new Promise((resolve) => session.once("close", () => resolve()));
}

describe("HTTP/2 rapid reset", () => {
  it("caps concurrent streams per session", async () => {
    const session = connect("127.0.0.1");
    await new Promise((resolve) => session.once("remoteSettings", resolve));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(defaultConnectionLimits.h2MaxConcurrentStreams);
    expect(await call(session)).toBe("16"); // UNAUTHENTICATED: a real answer
    session.destroy();
  });

  it("a stream reset before its request is complete never reaches the pipeline", async () => {
    const session = connect("127.0.0.5");
    await new Promise((resolve) => session.once("connect", resolve));
    const before = pipelineRuns;
    for (let i = 0; i < 10; i++) {
      const stream = session.request({ ":method": "POST", ":path": getIdentity, "content-type": "application/grpc" });
      stream.on("error", () => undefined);
      stream.write(envelope(Buffer.from([0x0a, 0x01, 0x78])).subarray(0, 4)); // half a message, then reset
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    expect(await call(session)).toBe("16");
    expect(pipelineRuns).toBe(before + 1);
    session.destroy();
  });

  it("ends the session of an address over its reset budget and holds its new connections unanswered, not other addresses'", async () => {
    const attacker = connect("127.0.0.6");
    await new Promise((resolve) => attacker.once("connect", resolve));
    const ended = closed(attacker);
    for (let i = 0; i < 60 && !attacker.destroyed && !attacker.closed; i++) {
      try {
        const stream = attacker.request({ ":method": "POST", ":path": getIdentity, "content-type": "application/grpc" });
        stream.on("error", () => undefined);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      } catch {
        break;
      }
      await new Promise((r) => setImmediate(r));
    }
    await ended;
    const again = connect("127.0.0.6");
    expect(await call(again)).toBe("closed");
    again.destroy();

    const bystander = connect("127.0.0.1");
    expect(await call(bystander)).toBe("16");
    bystander.destroy();
  });

  it("meters new sessions per address", async () => {
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const session = connect("127.0.0.7");
      answers.push(await call(session));
      session.destroy();
    }
    expect(answers).toEqual(["16", "16", "16", "closed", "closed"]);
  });
});
