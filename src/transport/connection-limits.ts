// What one TCP connection, and one client address, may hold on the shared
// port. server.ts hands accepted sockets to http/http2 servers that never
// listen(), so none of Node's own header/request timeouts run unless we start
// them (HTTP/1.1) or run them ourselves (the first request of every socket,
// HTTP/2 streams and sessions). The attack run this answers (issue 9, items
// 3–4): 1,800 silent / half-preface / slowloris sockets held for minutes,
// ~20,000 idle sockets exhausting file descriptors, and a rapid-reset client
// that reconnected every time Node ended its session.
import type { Socket } from "node:net";

export interface ConnectionLimits {
  /** A connection must complete its first request head (HTTP/1.1) or HEADERS frame (HTTP/2) within this. */
  readonly headersTimeoutMs: number;
  /** A request must be received completely (head and body) within this; the handler's own time is not counted. */
  readonly requestTimeoutMs: number;
  /** A keep-alive connection / an HTTP/2 session without a request in flight is closed after this. */
  readonly idleTimeoutMs: number;
  /** Open connections, server-wide; more are closed at accept. */
  readonly maxConnections: number;
  /** Open connections from one client address; more are closed at accept. */
  readonly maxConnectionsPerAddress: number;
  /** New HTTP/2 sessions one address may open: a token bucket (rate per second, burst). */
  readonly h2SessionsPerSecondPerAddress: number;
  readonly h2SessionBurstPerAddress: number;
  /**
   * Streams one address may have reset (RST_STREAM from the client, or
   * closed before the request completed): a token bucket. Over it, the
   * session is ended and the address's new connections are held unread
   * until their headers deadline for h2ResetPenaltyMs: rapid reset
   * (CVE-2023-44487) costs the attacker its address, not everyone their
   * latency.
   */
  readonly h2ResetsPerSecondPerAddress: number;
  readonly h2ResetBurstPerAddress: number;
  readonly h2ResetPenaltyMs: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS of every session. */
  readonly h2MaxConcurrentStreams: number;
  /** Request headers larger than this (HPACK-accounted on HTTP/2, raw on HTTP/1.1) answer 431. */
  readonly maxHeaderBytes: number;
}

export const defaultConnectionLimits: ConnectionLimits = Object.freeze({
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 65_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 1_000,
  h2SessionsPerSecondPerAddress: 20,
  h2SessionBurstPerAddress: 40,
  h2ResetsPerSecondPerAddress: 50,
  h2ResetBurstPerAddress: 200,
  h2ResetPenaltyMs: 10_000,
  h2MaxConcurrentStreams: 100,
  maxHeaderBytes: 16 * 1024,
});

/** Counts connections per address and meters new HTTP/2 sessions and stream resets; no timers of its own. */
export interface ConnectionGate {
  /** Registers an accepted socket, or answers false (the caller closes it) when a cap is reached. */
  admit(socket: Socket): boolean;
  /** May this address open another HTTP/2 session now? Takes a token when it may. */
  admitH2Session(address: string): boolean;
  /** Counts a stream reset by this address's client; false when it is over its budget (now penalized). */
  admitH2Reset(address: string): boolean;
  /** Over its reset budget lately: its connections are held unread until their deadline (see connection-guard.ts). */
  isPenalized(address: string): boolean;
  readonly open: number;
}

export function createConnectionGate(limits: ConnectionLimits, now: () => number = () => performance.now()): ConnectionGate {
  const perAddress = new Map<string, number>();
  const sessions = createTokenBuckets(limits.h2SessionsPerSecondPerAddress, limits.h2SessionBurstPerAddress, now);
  const resets = createTokenBuckets(limits.h2ResetsPerSecondPerAddress, limits.h2ResetBurstPerAddress, now);
  const penalizedUntil = new Map<string, number>();
  let open = 0;

  const isPenalized = (address: string) => {
    const until = penalizedUntil.get(address);
    if (until === undefined) return false;
    if (now() < until) return true;
    penalizedUntil.delete(address);
    return false;
  };
  const release = (address: string) => {
    open--;
    const n = (perAddress.get(address) ?? 1) - 1;
    if (n <= 0) perAddress.delete(address);
    else perAddress.set(address, n);
  };

  return {
    get open() {
      return open;
    },
    admit(socket) {
      const address = socket.remoteAddress ?? "unknown";
      const held = perAddress.get(address) ?? 0;
      if (open >= limits.maxConnections || held >= limits.maxConnectionsPerAddress) return false;
      open++;
      perAddress.set(address, held + 1);
      socket.once("close", () => release(address));
      return true;
    },
    admitH2Session(address) {
      return !isPenalized(address) && sessions.take(address);
    },
    isPenalized,
    admitH2Reset(address) {
      if (resets.take(address)) return true;
      penalizedUntil.set(address, now() + limits.h2ResetPenaltyMs);
      return false;
    },
  };
}

/** Token buckets by key (rate per second, burst); full buckets are forgotten. */
function createTokenBuckets(rate: number, burst: number, now: () => number): { take(key: string): boolean } {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      buckets.set(key, bucket);
      // A full bucket says nothing a fresh one would not: forget those, so
      // the map holds only keys that spent tokens lately.
      if (buckets.size > 10_000) {
        for (const [k, b] of buckets) if (b.tokens + ((t - b.at) / 1000) * rate >= burst) buckets.delete(k);
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}

/**
 * HPACK's accounting of a header list (RFC 7541 §4.1: name + value + 32 per
 * field), the measure SETTINGS_MAX_HEADER_LIST_SIZE uses.
 */
export function headerListSize(headers: Readonly<Record<string, string | string[] | undefined>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) size += name.length + Buffer.byteLength(v) + 32;
  }
  return size;
}
