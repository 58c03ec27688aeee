// Property-based fuzzing of the REST gateway against a real server (issue 9),
// with the generators of rest-arbitraries.ts:
// fuzzed methods, paths (route templates filled with real and junk values,
// and junk paths: dot segments, doubled slashes, escapes), query strings
// (real field names in proto and JSON spelling, nested, repeated, junk),
// headers (a real admin key, the bootstrap key, garbage or no credentials;
// content types, Idempotency-Key, If-Match) and bodies (request-shaped JSON
// with fuzzed values, any JSON, deep nesting, non-JSON text, raw bytes).
//
// Property: every answer is a 2xx, or a 4xx whose body is
// {"error": {"code": "AVNOLOGY_AUTH_nnn", ...}}; never a 5xx except 503 with
// its AVNOLOGY code; the connection never fails; no 2xx for a non-canonical
// path; and the server still answers a normal request afterwards.
//
// FUZZ_RUNS cases in all (500 by default, ~10 s here; `npm run fuzz` sets
// 10,000), sent by `lanes` independent fast-check runs at once (bounded
// concurrency), each reporting its own seed and shrunk counterexample.
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractRoutes } from "../support/contract-routes.js";
import { rest } from "../support/rest.js";
import { createKey, createOrganization } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { restRequest, type FuzzRequest } from "./rest-arbitraries.js";

const totalRuns = Number(process.env["FUZZ_RUNS"] ?? 500);
const lanes = 4;
const routes = await contractRoutes();

let server: TestServer;
let agent: http.Agent;
/** Real values for path variables: an identity, an organization, a key that is not the admin's. */
const known: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  agent = new http.Agent({ keepAlive: true, maxSockets: lanes });
  const identity = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "fuzz.target@example.com" } }, server.auth);
  expect(identity.status, identity.text).toBe(201);
  known.push(identity.json.id, await createOrganization(server, "org_fuzz"), (await createKey(server, { name: "fuzz victim" })).id);
});
afterAll(async () => {
  agent?.destroy();
  await server?.close();
});

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

function send(request: FuzzRequest): Promise<Answer> {
  // node:http sends a GET or DELETE body unframed unless told its length
  // (the server then reads it as the next request).
  const framing = request.body === undefined ? {} : { "content-length": String(Buffer.byteLength(request.body)) };
  const headers = { ...request.headers, ...framing };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: server.port, agent, method: request.method, path: request.path, headers, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 20 s")));
    req.on("error", reject);
    req.end(request.body);
  });
}

/** The property: what every answer must look like. Throws with the reason. */
function checkAnswer(request: FuzzRequest, answer: Answer): void {
  const { status } = answer;
  if (status >= 200 && status < 300) {
    // Issue 9 item 7, by an oracle independent of the server's own check: a
    // path that a WHATWG URL parser would rewrite (dot segments, "\\"), or
    // that hides a separator in an escape, is never served.
    const rawPath = request.path.split("?", 1)[0]!;
    if (new URL(rawPath, "http://x").pathname !== rawPath || /%2f|%5c/i.test(rawPath)) {
      throw new Error(`served the non-canonical path ${rawPath} with ${status}`);
    }
    return;
  }
  const allowed = (status >= 400 && status < 500) || status === 503;
  if (!allowed) throw new Error(`answered ${status}: ${answer.text.slice(0, 300)}`);
  if (request.method === "HEAD") return; // no body on a HEAD answer
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw new Error(`answered ${status} without a JSON body: ${answer.text.slice(0, 300)}`);
  }
  const error = (json as { error?: { code?: unknown; status?: unknown } } | null)?.error;
  if (typeof error?.code !== "string" || !/^AVNOLOGY_AUTH_\d{3}$/.test(error.code)) {
    throw new Error(`answered ${status} without an AVNOLOGY error code: ${answer.text.slice(0, 300)}`);
  }
  if (error.status !== status) throw new Error(`answered ${status} with error.status ${String(error.status)}`);
  if (status === 503 && !["AVNOLOGY_AUTH_950", "AVNOLOGY_AUTH_951"].includes(error.code)) {
    throw new Error(`answered 503 with ${error.code}`);
  }
}

// ---- the property ---------------------------------------------------------

describe("REST fuzz", () => {
  it(`${totalRuns} fuzzed requests: 2xx, or 4xx/503 with an AVNOLOGY error; the server keeps answering`, async () => {
    const answered = new Map<string, number>();
    const requests = restRequest({
      routes,
      knownIds: known,
      adminAuthorization: server.auth["authorization"]!,
      bootstrapAuthorization: server.bootstrapAuth["authorization"]!,
    });
    const property = fc.asyncProperty(requests, async (request) => {
      const answer = await send(request);
      const outcome = `${answer.status} ${/AVNOLOGY_AUTH_\d{3}/.exec(answer.text)?.[0] ?? ""}`.trim();
      answered.set(outcome, (answered.get(outcome) ?? 0) + 1);
      checkAnswer(request, answer);
    });
    // FUZZ_SEED (and FUZZ_PATH) from a failure report replay that case in one lane.
    const replay = process.env["FUZZ_SEED"] === undefined ? undefined : { seed: Number(process.env["FUZZ_SEED"]), path: process.env["FUZZ_PATH"] };
    const laneRuns = replay ? [totalRuns] : Array.from({ length: lanes }, () => Math.ceil(totalRuns / lanes));
    const results = await Promise.all(
      laneRuns.map((numRuns) => fc.check(property, { numRuns, includeErrorInReport: true, ...(replay ?? {}) })),
    );
    // FUZZ_TALLY=1 prints how the cases were answered (to see what the generators reach).
    if (process.env["FUZZ_TALLY"]) console.log(Object.fromEntries([...answered].sort()));
    const failures = results.filter((r) => r.failed).map((r) => fc.defaultReportMessage(r));
    expect(failures, failures.join("\n\n")).toEqual([]);

    const normal = await rest(server.baseUrl, "GET", "/v1/identities?page_size=1", undefined, server.auth);
    expect(normal.status, normal.text).toBe(200);
  }, 900_000);
});
