import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../../src/domain/errors.js";
import { createBreachChecker, rangeContains } from "../../../src/passwords/breach-checker.js";
import type { BreachedList } from "../../../src/passwords/breached-list.js";

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex").toUpperCase();

const pwned = "Tr0ub4dor&3-but-leaked";
const padded = "only-a-padding-line-x";
const fresh = "violet-lamp-river-93";

// A fake HIBP range server on 127.0.0.1:0. `mode` decides how it answers.
let server: Server;
let url: string;
let mode: "ok" | "error" | "hang" = "ok";
const requests: { url: string; headers: IncomingHttpHeaders }[] = [];

function rangeBody(prefix: string): string {
  const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:3", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"];
  for (const [pw, count] of [[pwned, 42], [padded, 0]] as const) {
    const h = sha1(pw);
    // Lower-case on purpose: suffixes must match case-insensitively.
    if (h.startsWith(prefix)) lines.push(`${h.slice(5).toLowerCase()}:${count}`);
  }
  return lines.join("\r\n");
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    if (mode === "hang") return; // never answers: the client must time out
    if (mode === "error") {
      res.writeHead(500).end("boom");
      return;
    }
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? "")?.[1];
    if (prefix === undefined) {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(rangeBody(prefix));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  mode = "ok";
  requests.length = 0;
});

const offline: BreachedList = { has: (pw) => pw === "offline-hit", size: 1 };

/** A port that was just listening and is now closed: connection refused. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("createBreachChecker with a range API", () => {
  it.each([
    ["a password in the range answer", pwned, true],
    ["a password absent from the range answer", fresh, false],
    ["a padding line (count 0)", padded, false],
  ])("%s", async (_name, password, expected) => {
    const checker = createBreachChecker({ list: offline, rangeApiUrl: `${url}/`, failOpen: false, timeoutMs: 2000 });
    expect(await checker.isBreached(password)).toBe(expected);
    expect(requests).toHaveLength(1);
    // k-anonymity: only the 5-hex prefix is sent, and padding is requested.
    expect(requests[0]?.url).toBe(`/range/${sha1(password).slice(0, 5)}`);
    expect(requests[0]?.headers["add-padding"]).toBe("true");
  });

  it("answers from the offline list without a request", async () => {
    const checker = createBreachChecker({ list: offline, rangeApiUrl: url, failOpen: false, timeoutMs: 2000 });
    expect(await checker.isBreached("offline-hit")).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it("uses only the offline list when no URL is set", async () => {
    const checker = createBreachChecker({ list: offline, failOpen: false, timeoutMs: 2000 });
    expect(await checker.isBreached("offline-hit")).toBe(true);
    expect(await checker.isBreached(pwned)).toBe(false);
    expect(requests).toHaveLength(0);
  });

  type Failure = "down" | "error" | "hang";
  const failures: Failure[] = ["down", "error", "hang"];

  it.each(failures)("fails open when the server is %s", async (failure) => {
    const errors: unknown[] = [];
    const checker = createBreachChecker({
      list: offline,
      rangeApiUrl: failure === "down" ? await deadUrl() : url,
      failOpen: true,
      timeoutMs: 200,
      onRangeApiError: (err) => errors.push(err),
    });
    if (failure !== "down") mode = failure;
    expect(await checker.isBreached(pwned)).toBe(false);
    expect(errors).toHaveLength(1);
    // The offline list still applies when failing open.
    expect(await checker.isBreached("offline-hit")).toBe(true);
  });

  it.each(failures)("fails closed with AVNOLOGY_AUTH_950 when the server is %s", async (failure) => {
    const checker = createBreachChecker({
      list: offline,
      rangeApiUrl: failure === "down" ? await deadUrl() : url,
      failOpen: false,
      timeoutMs: 200,
      retryAfterSeconds: 7,
    });
    if (failure !== "down") mode = failure;
    const started = Date.now();
    const err = await checker.isBreached(pwned).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "AVNOLOGY_AUTH_950", details: { retryAfterSeconds: 7 } });
    expect((err as AppError).entry.http).toBe(503);
    expect(String((err as AppError).cause)).not.toContain(pwned);
    expect(Date.now() - started).toBeLessThan(2000); // the 200 ms timeout, not a hang
  });

  it("uses the injected fetch", async () => {
    const seen: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(`${sha1(fresh).slice(5)}:1\n`);
    };
    const checker = createBreachChecker({ list: offline, rangeApiUrl: "http://range.invalid", failOpen: false, timeoutMs: 100, fetchImpl });
    expect(await checker.isBreached(fresh)).toBe(true);
    expect(seen).toEqual([`http://range.invalid/range/${sha1(fresh).slice(0, 5)}`]);
  });
});

describe("rangeContains", () => {
  const suffix = "0018A45C4D1DEF81644B54AB7F969B88D65";
  it.each([
    ["upper-case line", `${suffix}:3`, true],
    ["lower-case line with CRLF", `FFFF:1\r\n${suffix.toLowerCase()}:3\r\n`, true],
    ["padding count 0", `${suffix}:0`, false],
    ["line without count", suffix, true],
    ["other suffixes only", "ABCDEF:5\n123456:1", false],
    ["empty body", "", false],
    ["a longer suffix is not a match", `${suffix}0:3`, false],
  ])("%s", (_name, body, expected) => {
    expect(rangeContains(body, suffix)).toBe(expected);
  });
});
