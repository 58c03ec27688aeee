// Write claims are skipped only on a server whose buildInfo says it is
// MongoDB; FerretDB and unknown servers (or a failing buildInfo) keep them.
// A stand-in Db records what the claims module asks of it.
import type { Db } from "mongodb";
import { describe, expect, it } from "vitest";
import { createWriteClaims } from "../../../src/store/write-claims.js";

const mongodb = { version: "8.0.4", gitVersion: "bc35ab4305d9920d9d2d8a3e37d0bd22b1d3ee6b", storageEngines: ["devnull", "wiredTiger"], ok: 1 };
const ferretdb = { version: "7.0.42", gitVersion: "unknown", ferretdbVersion: "v1.24.2", ok: 1 };

function standInDb(buildInfo: () => Promise<Record<string, unknown>>) {
  const calls: string[] = [];
  const collection = {
    insertOne: async () => void calls.push("claim"),
    deleteOne: async () => void calls.push("release"),
    findOne: async () => null,
  };
  const db = { collection: () => collection, command: () => buildInfo() } as unknown as Db;
  return { db, calls };
}

describe("write claims by server kind", () => {
  it.each([
    ["MongoDB: the guarded write alone", async () => mongodb, ["write"]],
    ["FerretDB: claim, write, release", async () => ferretdb, ["claim", "write", "release"]],
    ["unknown server: claim", async () => ({ version: "5.0.0", ok: 1 }), ["claim", "write", "release"]],
    ["buildInfo fails: claim", () => Promise.reject(new Error("no")), ["claim", "write", "release"]],
  ] as const)("%s", async (_name, buildInfo, expected) => {
    const { db, calls } = standInDb(buildInfo);
    const claims = createWriteClaims(db);
    const outcome = await claims.withClaim("identity/t/usr_a", 1, async () => {
      calls.push("write");
      return "done";
    });
    expect(outcome).toEqual({ won: true, value: "done" });
    expect(calls).toEqual(expected);
  });

  it("alwaysClaim claims on MongoDB too", async () => {
    const { db, calls } = standInDb(async () => mongodb);
    await createWriteClaims(db, { alwaysClaim: true }).withClaim("k", 1, async () => void calls.push("write"));
    expect(calls).toEqual(["claim", "write", "release"]);
  });
});
