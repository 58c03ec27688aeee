// Throttle of repeated bad credentials per client address: after maxFailures
// failed authentications within windowMs, further failed attempts from that
// address get 429 (AVNOLOGY_AUTH_022) instead of 401 until the window ends.
// A valid credential from a throttled address is still served (the caller
// resolver checks the throttle only once a credential has failed): behind an
// ingress or a NAT many clients share one address, and one client guessing
// must not lock out the others.
//
// Per replica: the counts live in this process's memory. With N replicas
// behind a load balancer that spreads requests, one address gets up to
// N x maxFailures failures per window before every replica refuses it, and a
// restart forgets the counts. That is enough for what it is for (bounding
// the junk lookups one client makes a replica do); it is not a fleet-wide
// lockout, which 256-bit keys do not need.
//
// Guessing a 256-bit API key is hopeless anyway; this bounds the work (key
// lookups, signature checks) one client can make us do with junk credentials
// and makes credential-stuffing noisy.
//
// Why not rate-limiter-flexible's RateLimiterMemory: its API is Promise-based
// where this check sits synchronously in front of authentication, it reads
// Date.now() directly (no injectable clock, so tests need fake timers), keeps
// one setTimeout per key, and has no cap on the number of keys, so a client
// rotating addresses grows it without bound. What is needed here is a fixed
// window counter in an insertion-ordered Map, which is smaller than the glue.
import { isIPv4, isIPv6 } from "node:net";
import { AppError } from "../domain/errors.js";

export interface FailedAuthThrottleOptions {
  /** Failures allowed per window; the next attempt is refused. E.g. 10. */
  readonly maxFailures: number;
  /** Window length in ms, counted from an address's first failure. E.g. 60_000. */
  readonly windowMs: number;
  /** Addresses tracked at most; the oldest window is evicted past it. Default 10_000. */
  readonly maxTrackedAddresses?: number;
  /** Clock in ms; must not go backwards. Default Date.now. */
  readonly now?: () => number;
}

export interface FailedAuthThrottle {
  /** Throws AppError AVNOLOGY_AUTH_022 (with retryAfterSeconds) while the address is blocked. */
  check(address: string): void;
  recordFailure(address: string): void;
  /** A successful authentication forgets the address's failures. */
  recordSuccess(address: string): void;
  /** Addresses currently tracked (for metrics and tests). */
  size(): number;
}

interface Window {
  failures: number;
  readonly start: number;
}

export function createFailedAuthThrottle(options: FailedAuthThrottleOptions): FailedAuthThrottle {
  const { maxFailures, windowMs } = options;
  const cap = options.maxTrackedAddresses ?? 10_000;
  const now = options.now ?? Date.now;
  for (const [name, value] of [["maxFailures", maxFailures], ["windowMs", windowMs], ["maxTrackedAddresses", cap]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`failed-auth throttle: ${name} must be a positive integer`);
  }

  // Insertion order is window-start order (a window is only ever created by
  // inserting, and an expired one is deleted before being re-created), so the
  // first entry is always the oldest: expiry sweeps and eviction are O(1)
  // amortised, with no timers.
  const windows = new Map<string, Window>();
  const expired = (w: Window, t: number): boolean => t - w.start >= windowMs;

  function current(key: string, t: number): Window | undefined {
    const w = windows.get(key);
    if (w !== undefined && expired(w, t)) {
      windows.delete(key);
      return undefined;
    }
    return w;
  }

  function sweep(t: number): void {
    for (const [key, w] of windows) {
      if (!expired(w, t)) return;
      windows.delete(key);
    }
  }

  return {
    check(address) {
      const t = now();
      const w = current(throttleKey(address), t);
      if (w === undefined || w.failures < maxFailures) return;
      const retryAfterSeconds = Math.max(1, Math.ceil((w.start + windowMs - t) / 1000));
      throw new AppError("AVNOLOGY_AUTH_022", { retryAfterSeconds });
    },
    recordFailure(address) {
      const t = now();
      sweep(t);
      const key = throttleKey(address);
      const w = current(key, t);
      if (w !== undefined) {
        w.failures += 1;
        return;
      }
      // Evicting the oldest window may unblock that address early: the price
      // of bounded memory. A client able to push out a blocked address needs
      // `cap` other addresses, each of which gets its own maxFailures anyway.
      if (windows.size >= cap) {
        const oldest = windows.keys().next();
        if (oldest.done !== true) windows.delete(oldest.value);
      }
      windows.set(key, { failures: 1, start: t });
    },
    recordSuccess(address) {
      windows.delete(throttleKey(address));
    },
    size() {
      return windows.size;
    },
  };
}

/**
 * The unit an address is counted under. IPv4 counts per address (an
 * IPv4-mapped IPv6 address like ::ffff:192.0.2.1 is the same client); IPv6
 * counts per /64, because one host is normally given a whole /64 and could
 * otherwise rotate through 2^64 addresses to dodge the throttle. Anything that
 * is not an IP address (a missing address, a test name) is used as is.
 */
export function throttleKey(address: string): string {
  const bare = address.split("%")[0] ?? address; // drop an IPv6 zone (fe80::1%eth0)
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address;
  const groups = expandIPv6(bare.toLowerCase());
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

// Eight 16-bit groups of a valid IPv6 address (validated by isIPv6 before).
function expandIPv6(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    // An embedded IPv4 tail stands for the last two groups.
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
