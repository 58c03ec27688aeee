// The pure parts of the port's limits: configuration, the per-address
// connection count, the session and reset budgets, HPACK header accounting.
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/config.js";
import { createConnectionGate, defaultConnectionLimits, headerListSize } from "../../../src/transport/connection-limits.js";

const pepper = "p".repeat(32);

function fakeSocket(remoteAddress: string): Socket & { close(): void } {
  const emitter = new EventEmitter() as unknown as Socket & { close(): void };
  Object.assign(emitter, { remoteAddress, close: () => emitter.emit("close") });
  return emitter;
}

describe("loadConfig: connections", () => {
  it("applies the documented defaults", () => {
    expect(loadConfig({ API_KEY_PEPPER: pepper }).connections).toEqual(defaultConnectionLimits);
    expect(defaultConnectionLimits).toMatchObject({ headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, idleTimeoutMs: 65_000 });
  });

  it("reads every variable", () => {
    const { connections } = loadConfig({
      API_KEY_PEPPER: pepper,
      HEADERS_TIMEOUT_MS: "1000",
      REQUEST_TIMEOUT_MS: "2000",
      IDLE_TIMEOUT_MS: "3000",
      MAX_CONNECTIONS: "10",
      MAX_CONNECTIONS_PER_ADDRESS: "5",
      H2_SESSIONS_PER_SECOND_PER_ADDRESS: "0.5",
      H2_SESSION_BURST_PER_ADDRESS: "2",
      H2_RESETS_PER_SECOND_PER_ADDRESS: "1",
      H2_RESET_BURST_PER_ADDRESS: "3",
      H2_RESET_PENALTY_MS: "4000",
      H2_MAX_CONCURRENT_STREAMS: "7",
      MAX_HEADER_BYTES: "2048",
    });
    expect(connections).toEqual({
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      idleTimeoutMs: 3000,
      maxConnections: 10,
      maxConnectionsPerAddress: 5,
      h2SessionsPerSecondPerAddress: 0.5,
      h2SessionBurstPerAddress: 2,
      h2ResetsPerSecondPerAddress: 1,
      h2ResetBurstPerAddress: 3,
      h2ResetPenaltyMs: 4000,
      h2MaxConcurrentStreams: 7,
      maxHeaderBytes: 2048,
    });
  });

  it.each([
    { HEADERS_TIMEOUT_MS: "5000", REQUEST_TIMEOUT_MS: "1000" },
    { MAX_CONNECTIONS: "0" },
    { HEADERS_TIMEOUT_MS: "abc" },
  ])("refuses %o", (env) => {
    expect(() => loadConfig({ API_KEY_PEPPER: pepper, ...env })).toThrow();
  });
});

describe("createConnectionGate", () => {
  const limits = {
    ...defaultConnectionLimits,
    maxConnections: 3,
    maxConnectionsPerAddress: 2,
    h2SessionBurstPerAddress: 2,
    h2SessionsPerSecondPerAddress: 1,
    h2ResetBurstPerAddress: 2,
    h2ResetsPerSecondPerAddress: 1,
    h2ResetPenaltyMs: 10_000,
  };

  it("caps connections per address and server-wide, and frees them on close", () => {
    const gate = createConnectionGate(limits, () => 0);
    const a1 = fakeSocket("a");
    expect([gate.admit(a1), gate.admit(fakeSocket("a")), gate.admit(fakeSocket("a"))]).toEqual([true, true, false]);
    expect(gate.admit(fakeSocket("b"))).toBe(true);
    expect(gate.admit(fakeSocket("c"))).toBe(false); // server-wide cap
    a1.close();
    expect(gate.open).toBe(2);
    expect(gate.admit(fakeSocket("c"))).toBe(true);
  });

  it("meters new HTTP/2 sessions per address with a token bucket", () => {
    let now = 0;
    const gate = createConnectionGate(limits, () => now);
    expect([gate.admitH2Session("a"), gate.admitH2Session("a"), gate.admitH2Session("a")]).toEqual([true, true, false]);
    expect(gate.admitH2Session("b")).toBe(true);
    now = 1_000;
    expect(gate.admitH2Session("a")).toBe(true);
  });

  it("penalizes an address over its reset budget until the penalty ends", () => {
    let now = 0;
    const gate = createConnectionGate(limits, () => now);
    expect([gate.admitH2Reset("a"), gate.admitH2Reset("a"), gate.admitH2Reset("a")]).toEqual([true, true, false]);
    expect(gate.admitH2Session("a")).toBe(false);
    expect([gate.isPenalized("a"), gate.isPenalized("b")]).toEqual([true, false]);
    expect(gate.admitH2Session("b")).toBe(true);
    now = 10_001;
    expect(gate.admitH2Session("a")).toBe(true);
    expect(gate.isPenalized("a")).toBe(false);
  });
});

describe("headerListSize", () => {
  it("counts name + value + 32 per field (RFC 7541 §4.1), UTF-8 bytes", () => {
    expect(headerListSize({ a: "bc", d: ["e", "fg"], skipped: undefined })).toBe(1 + 2 + 32 + (1 + 1 + 32) + (1 + 2 + 32));
    expect(headerListSize({ x: "ö" })).toBe(1 + 2 + 32);
  });
});
