import { describe, expect, it } from "vitest";
import { createFailedAuthThrottle, throttleKey } from "../../../src/auth/failed-auth-throttle.js";
import { AppError } from "../../../src/domain/errors.js";

function setup(maxTrackedAddresses?: number) {
  let t = 1_000_000;
  const throttle = createFailedAuthThrottle({
    maxFailures: 3,
    windowMs: 60_000,
    now: () => t,
    ...(maxTrackedAddresses === undefined ? {} : { maxTrackedAddresses }),
  });
  const advance = (ms: number) => {
    t += ms;
  };
  const blocked = (address: string): AppError | undefined => {
    try {
      throttle.check(address);
      return undefined;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  };
  const fail = (address: string, times: number) => {
    for (let i = 0; i < times; i++) throttle.recordFailure(address);
  };
  return { throttle, advance, blocked, fail };
}

describe("createFailedAuthThrottle", () => {
  it("allows maxFailures failures, then refuses with 429 and a Retry-After", () => {
    const { blocked, fail, advance } = setup();
    fail("192.0.2.1", 2);
    expect(blocked("192.0.2.1")).toBeUndefined();
    advance(15_000);
    fail("192.0.2.1", 1);
    const err = blocked("192.0.2.1");
    expect(err?.code).toBe("AVNOLOGY_AUTH_022");
    expect(err?.entry.http).toBe(429);
    // The window started at the first failure, 15 s ago.
    expect(err?.details.retryAfterSeconds).toBe(45);
    expect(blocked("192.0.2.2")).toBeUndefined();
  });

  it("unblocks once the window has passed, and counts afresh", () => {
    const { blocked, fail, advance } = setup();
    fail("192.0.2.1", 3);
    advance(59_500);
    expect(blocked("192.0.2.1")?.details.retryAfterSeconds).toBe(1);
    advance(500);
    expect(blocked("192.0.2.1")).toBeUndefined();
    fail("192.0.2.1", 2);
    expect(blocked("192.0.2.1")).toBeUndefined();
  });

  it("forgets an address's failures on success", () => {
    const { throttle, blocked, fail } = setup();
    fail("192.0.2.1", 2);
    throttle.recordSuccess("192.0.2.1");
    fail("192.0.2.1", 2);
    expect(blocked("192.0.2.1")).toBeUndefined();
    fail("192.0.2.1", 1);
    expect(blocked("192.0.2.1")?.code).toBe("AVNOLOGY_AUTH_022");
  });

  it("caps the tracked addresses, evicting the oldest window", () => {
    const { throttle, blocked, fail, advance } = setup(3);
    fail("10.0.0.1", 3);
    for (const a of ["10.0.0.2", "10.0.0.3"]) {
      advance(1);
      fail(a, 3);
    }
    expect(throttle.size()).toBe(3);
    expect(blocked("10.0.0.1")).toBeDefined();
    fail("10.0.0.4", 1);
    expect(throttle.size()).toBe(3);
    expect(blocked("10.0.0.1")).toBeUndefined();
    expect(blocked("10.0.0.2")).toBeDefined();
    for (let i = 0; i < 1000; i++) fail(`10.1.${i >> 8}.${i & 255}`, 1);
    expect(throttle.size()).toBe(3);
  });

  it("drops expired windows instead of keeping them until the cap", () => {
    const { throttle, fail, advance } = setup();
    for (let i = 0; i < 50; i++) fail(`10.0.0.${i}`, 1);
    expect(throttle.size()).toBe(50);
    advance(60_000);
    fail("10.9.9.9", 1);
    expect(throttle.size()).toBe(1);
  });

  it("counts IPv6 per /64 and IPv4-mapped addresses as IPv4", () => {
    const { blocked, fail } = setup();
    fail("2001:db8:1:2::1", 1);
    fail("2001:db8:1:2:ffff:eeee:dddd:cccc", 1);
    fail("2001:DB8:1:2:0:0:0:9", 1);
    expect(blocked("2001:db8:1:2::77")?.code).toBe("AVNOLOGY_AUTH_022");
    expect(blocked("2001:db8:1:3::1")).toBeUndefined();
    fail("::ffff:198.51.100.7", 3);
    expect(blocked("198.51.100.7")?.code).toBe("AVNOLOGY_AUTH_022");
  });

  it.each([
    { maxFailures: 0, windowMs: 1000 },
    { maxFailures: 3, windowMs: -1 },
    { maxFailures: 1.5, windowMs: 1000 },
    { maxFailures: 3, windowMs: 1000, maxTrackedAddresses: 0 },
  ])("refuses options %j", (options) => {
    expect(() => createFailedAuthThrottle(options)).toThrow(/positive integer/);
  });
});

describe("throttleKey", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:c000:0201", "192.0.2.1"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["2001:0db8:0000:0042:0001:0002:0003:0004", "2001:db8:0:42::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["unknown", "unknown"],
    ["", ""],
  ])("%j → %j", (address, expected) => {
    expect(throttleKey(address)).toBe(expected);
  });
});
