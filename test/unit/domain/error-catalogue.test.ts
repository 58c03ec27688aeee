// The catalogue in code and docs/errors.md must list the same codes with the
// same statuses and messages, both ways (fastify keeps its errors doc so).
import { readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { catalogue } from "../../../src/domain/errors.js";

const doc = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
const documented = new Map(
  [...doc.matchAll(/^\| (AVNOLOGY_AUTH_\d{3}) \| (\d{3}) \| ([A-Z_]+) \| (.+) \|$/gm)].map((m) => [
    m[1]!,
    { http: Number(m[2]), grpc: m[3]!, message: m[4]! },
  ]),
);
const grpcName = (code: Code) => Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

describe("error catalogue", () => {
  it("documents every code in code, with the same status, gRPC code and message", () => {
    for (const [code, entry] of Object.entries(catalogue)) {
      expect(documented.get(code), code).toEqual({ http: entry.http, grpc: grpcName(entry.grpc), message: entry.message });
    }
  });

  it("has no documented code that the code lacks", () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(catalogue).sort());
  });

  it.each([
    ["AVNOLOGY_AUTH_902", 400, Code.InvalidArgument],
    ["AVNOLOGY_AUTH_011", 400, Code.InvalidArgument],
    ["AVNOLOGY_AUTH_010", 400, Code.InvalidArgument],
    ["AVNOLOGY_AUTH_014", 409, Code.AlreadyExists],
    ["AVNOLOGY_AUTH_100", 403, Code.PermissionDenied],
    ["AVNOLOGY_AUTH_021", 429, Code.ResourceExhausted],
  ] as const)("keeps the spec's %s as HTTP %i", (code, http, grpc) => {
    expect(catalogue[code].http).toBe(http);
    expect(catalogue[code].grpc).toBe(grpc);
  });

  it("uses the spec's exact message for the duplicate email", () => {
    expect(catalogue.AVNOLOGY_AUTH_014.message).toBe("A user with this email already exists");
  });
});
