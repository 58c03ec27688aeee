import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { AvnologyError } from "../../../sdk/src/index.js";
import { formatError, formatFields, formatTable } from "../../../src/cli/output.js";

describe("formatTable", () => {
  it("pads every column to its widest cell, two spaces apart, without trailing blanks", () => {
    expect(formatTable(["ID", "NAME", "SCOPES"], [["key_1", "ci", "admin:users:read"], ["key_22", "support desk", ""]])).toBe(
      "ID      NAME          SCOPES\n" +
      "key_1   ci            admin:users:read\n" +
      "key_22  support desk\n",
    );
  });

  it("prints the header alone for an empty list", () => {
    expect(formatTable(["ID", "NAME"], [])).toBe("ID  NAME\n");
  });
});

describe("formatFields", () => {
  it("aligns values and leaves out empty ones", () => {
    expect(formatFields([["id", "usr_1"], ["organization", ""], ["email", "a@example.com"]])).toBe("id     usr_1\nemail  a@example.com\n");
  });
});

describe("formatError", () => {
  const avnology = (code: string, status: number, message: string, violations: AvnologyError["violations"] = []) =>
    new AvnologyError(code, status, message, undefined, violations, Code.Unauthenticated, undefined);

  it.each([
    ["a service error: code, message, status", avnology("AVNOLOGY_AUTH_001", 401, "Authentication required"), "error: AVNOLOGY_AUTH_001 Authentication required (401)\n"],
    ["no answer: no status", avnology("AVNOLOGY_SDK_NETWORK", 0, "fetch failed"), "error: AVNOLOGY_SDK_NETWORK fetch failed\n"],
    [
      "field violations, one per line",
      avnology("AVNOLOGY_AUTH_902", 400, "Invalid request", [{ field: "scopes", code: "AVNOLOGY_AUTH_903", message: "unknown scope" }]),
      "error: AVNOLOGY_AUTH_902 Invalid request (400)\n  scopes: unknown scope [AVNOLOGY_AUTH_903]\n",
    ],
    ["anything else: its message", new Error("boom"), "error: boom\n"],
  ])("%s", (_what, err, expected) => {
    expect(formatError(err)).toBe(expected);
  });
});
