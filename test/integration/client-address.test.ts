// TRUSTED_PROXIES end to end: the address the throttle and the request log
// use, with and without a trusted proxy in front; and the throttle never
// refusing a valid credential from a shared address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const bad = { authorization: `Bearer ak_live_${"B".repeat(43)}` };
const probePath = "/v1/identities/usr_00000000-0000-4000-8000-000000000000";

describe("behind a trusted proxy (TRUSTED_PROXIES=127.0.0.0/8)", () => {
  let server: TestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ TRUSTED_PROXIES: "127.0.0.0/8", AUTH_FAILURE_LIMIT: "2" }, { logLines });
  });
  afterAll(async () => server?.close());

  it("credits the right-most untrusted X-Forwarded-For entry, in logs and in the throttle", async () => {
    const noisy = { ...bad, "x-forwarded-for": "6.6.6.6, 203.0.113.10", "x-request-id": "xff-noisy" };
    const quiet = { ...bad, "x-forwarded-for": "203.0.113.20" };
    expect((await rest(server.baseUrl, "GET", probePath, undefined, noisy)).status).toBe(401);
    expect((await rest(server.baseUrl, "GET", probePath, undefined, noisy)).status).toBe(401);
    expect((await rest(server.baseUrl, "GET", probePath, undefined, noisy)).status).toBe(429);
    // Another client behind the same proxy has its own count.
    expect((await rest(server.baseUrl, "GET", probePath, undefined, quiet)).status).toBe(401);
    // And a valid credential from the throttled client is served.
    const valid = await rest(server.baseUrl, "GET", probePath, undefined, { ...server.auth, "x-forwarded-for": "203.0.113.10" });
    expect(valid.status).toBe(404);

    const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["request_id"] === "xff-noisy");
    expect(line?.["client_address"]).toBe("203.0.113.10");
  });
});

describe("without TRUSTED_PROXIES", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ AUTH_FAILURE_LIMIT: "2" });
  });
  afterAll(async () => server?.close());

  it("ignores X-Forwarded-For: rotating it does not dodge the throttle", async () => {
    for (const [i, expected] of [401, 401, 429, 429].entries()) {
      const res = await rest(server.baseUrl, "GET", probePath, undefined, { ...bad, "x-forwarded-for": `203.0.113.${i}` });
      expect(res.status).toBe(expected);
    }
    expect((await rest(server.baseUrl, "GET", probePath, undefined, server.auth)).status).toBe(404);
  });
});
