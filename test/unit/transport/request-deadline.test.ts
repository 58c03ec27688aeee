import { describe, expect, it } from "vitest";
import { createRequestDeadlines, timeoutOf } from "../../../src/observability/request-deadline.js";

describe("the caller's timeout from request headers", () => {
  it.each([
    [{ "grpc-timeout": "250m" }, 250],
    [{ "grpc-timeout": "2S" }, 2_000],
    [{ "grpc-timeout": "1M" }, 60_000],
    [{ "grpc-timeout": "1H" }, 3_600_000],
    [{ "grpc-timeout": "5000u" }, 5],
    [{ "grpc-timeout": "100" }, undefined],
    [{ "grpc-timeout": "123456789S" }, undefined],
    [{ "connect-timeout-ms": "1500" }, 1_500],
    [{ "connect-timeout-ms": "-1" }, undefined],
    [{}, undefined],
  ])("%j → %s ms", (headers, expected) => {
    expect(timeoutOf(headers)).toBe(expected);
  });

  it("is visible to code running in the request's async context, and only there", async () => {
    let t = 1_000;
    const deadlines = createRequestDeadlines(() => t);
    expect(deadlines.remainingMs()).toBeUndefined();
    await deadlines.run({ "connect-timeout-ms": "500" }, async () => {
      await Promise.resolve();
      t += 200;
      expect(deadlines.remainingMs()).toBe(300);
      t += 1_000;
      expect(deadlines.remainingMs()).toBe(0);
    });
    expect(deadlines.remainingMs()).toBeUndefined();
  });
});
