import { describe, expect, it } from "vitest";
import { createCors } from "../../../src/transport/cors.js";
import { etagFromIfMatch } from "../../../src/transport/etag-header.js";

function fakeResponse() {
  const headers = new Map<string, string>();
  const state = { status: 0, ended: false };
  return {
    headers,
    state,
    setHeader: (name: string, value: string) => headers.set(name, value),
    writeHead: (status: number) => (state.status = status),
    end: () => (state.ended = true),
  };
}

describe("createCors", () => {
  const cors = createCors({ origins: ["https://app.example.com"] });

  it("answers a preflight from a configured origin", () => {
    const res = fakeResponse();
    const handled = cors({ method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "PATCH" } }, res);
    expect(handled).toBe(true);
    expect(res.state).toEqual({ status: 204, ended: true });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
  });

  it.each([
    ["another origin", { method: "OPTIONS", headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" } }],
    ["no origin", { method: "GET", headers: {} }],
  ])("leaves %s alone", (_name, req) => {
    const res = fakeResponse();
    expect(cors(req, res)).toBe(false);
    expect(res.headers.size).toBe(0);
  });

  it("decorates actual requests and lets them through", () => {
    const res = fakeResponse();
    expect(cors({ method: "POST", headers: { origin: "https://app.example.com" } }, res)).toBe(false);
    expect(res.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(res.state.status).toBe(0);
  });

  it("with * allows any origin without Vary", () => {
    const res = fakeResponse();
    createCors({ origins: ["*"] })({ method: "GET", headers: { origin: "https://x.example" } }, res);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.has("vary")).toBe(false);
  });
});

describe("etagFromIfMatch", () => {
  it.each([
    [null, ""],
    ['"v3"', "v3"],
    ['W/"v3"', "v3"],
    ["*", "*"],
    ['"v4", "v5"', "v4"],
    ["v6", "v6"],
  ])("%s → %s", (header, etag) => {
    const headers = new Headers(header === null ? {} : { "if-match": header });
    expect(etagFromIfMatch(headers)).toBe(etag);
  });
});
