// Issue 9 item 7: only the canonical spelling of a path is a route
// (src/transport/rest/request-target.ts). Sent with node:http / node:http2,
// which put the target on the wire as given (fetch would resolve dot
// segments and backslashes before sending).
import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { createKey } from "../support/tenants.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;

interface RawResponse {
  readonly status: number;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field
}

function http1(method: string, target: string, headers: Record<string, string> = server.auth): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: server.port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function overHttp2(method: string, target: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.baseUrl);
    session.on("error", reject);
    const stream = session.request({ ":method": method, ":path": target, ...server.auth });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      const text = Buffer.concat(chunks).toString("utf8");
      resolve({ status, json: text ? JSON.parse(text) : undefined });
    });
    stream.on("error", reject);
    stream.end();
  });
}

let identityId: string;
beforeAll(async () => {
  server = await startTestServer();
  const created = await rest(server.baseUrl, "POST", "/v1/identities", { identity: { email: "canonical@example.com" } }, server.auth);
  expect(created.status, created.text).toBe(201);
  identityId = created.json.id;
});
afterAll(async () => {
  await server?.close();
});

const notCanonical = (id: () => string) =>
  [
    ["a network-path reference", "GET", () => "//evil.example/v1/api-keys"],
    ["a leading doubled slash", "GET", () => "//v1/api-keys"],
    ["a doubled slash inside", "GET", () => "/v1//api-keys"],
    ["a trailing slash", "GET", () => "/v1/api-keys/"],
    ["a dot segment", "GET", () => "/v1/./api-keys"],
    ["a dot-dot segment", "GET", () => "/v1/identities/../api-keys"],
    ["an encoded dot-dot segment", "GET", () => "/v1/identities/%2e%2e/api-keys"],
    ["a backslash", "GET", () => "/v1\\api-keys"],
    ["an encoded slash in a single-segment variable", "GET", () => `/v1/identities/x%2F..%2F${id()}`],
    ["an encoded slash after the id", "GET", () => `/v1/identities/${id()}%2F`],
    ["an encoded backslash", "GET", () => `/v1/identities/${id()}%5C`],
    ["a fragment", "GET", () => `/v1/identities/${id()}#x`],
    ["a malformed escape", "GET", () => `/v1/identities/${id()}%zz`],
    ["an absolute-form target", "GET", () => `http://127.0.0.1/v1/identities/${id()}`],
    ["a percent-encoded literal", "GET", () => "/v1/%61pi-keys"],
    ["an upper-case literal", "GET", () => "/V1/api-keys"],
  ] as const;

describe("non-canonical paths answer 404 AVNOLOGY_AUTH_905, like an unknown route", () => {
  it("the canonical spellings are served (control)", async () => {
    expect((await http1("GET", "/v1/api-keys")).status).toBe(200);
    expect((await http1("GET", `/v1/identities/${identityId}`)).status).toBe(200);
    expect((await overHttp2("GET", "/v1/api-keys")).status).toBe(200);
  });

  it.each(notCanonical(() => identityId))("HTTP/1.1: %s (%s)", async (_name, method, target) => {
    const res = await http1(method, target());
    expect(res.status).toBe(404);
    expect(res.json.error).toMatchObject({ code: "AVNOLOGY_AUTH_905", status: 404 });
    const unknown = await http1(method, "/v1/no-such-route");
    expect(Object.keys(res.json.error).sort()).toEqual(Object.keys(unknown.json.error).sort());
  });

  it.each(notCanonical(() => identityId).filter(([name]) => !/absolute|fragment/.test(name)))(
    "HTTP/2: %s (%s)",
    async (_name, method, target) => {
      const res = await overHttp2(method, target());
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("AVNOLOGY_AUTH_905");
    },
  );

  it("a dot-dot path does not reach another route: DELETE /v1/identities/../api-keys/K revokes nothing", async () => {
    const key = await createKey(server, { name: "kept" });
    const res = await http1("DELETE", `/v1/identities/../api-keys/${key.id}`);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("AVNOLOGY_AUTH_905");
    expect((await rest(server.baseUrl, "GET", "/v1/identities?page_size=1", undefined, key.auth)).status).toBe(200);
  });

  it("echoes the path only, never the query", async () => {
    const res = await http1("GET", "//evil.example/v1/api-keys?token=secret");
    expect(res.json.error.details.value).toBe("//evil.example/v1/api-keys");
  });
});
