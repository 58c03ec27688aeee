// The catalogue's transport-neutral status maps to connect's Code of the same
// gRPC name and number, for every status.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Status, type StatusName } from "../../../src/domain/status.js";
import { connectCodeOf } from "../../../src/transport/error-connect.js";

const connectName = (name: StatusName) => (name === "Cancelled" ? "Canceled" : name);

describe("connectCodeOf", () => {
  it.each(Object.entries(Status) as [StatusName, Status][])("maps %s to connect's code of that name", (name, status) => {
    expect(connectCodeOf(status)).toBe(Code[connectName(name)]);
    expect(connectCodeOf(status)).toBe(status);
  });
});
