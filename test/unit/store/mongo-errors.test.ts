// How each server reports a unique clash, and what it says it is: the forms
// below were captured from MongoDB's documented E11000 and from FerretDB
// v1.24.2 on both backends (docs/storage.md).
import { MongoNetworkError, MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import { uniqueFieldOfIndex } from "../../../src/store/identity-store.js";
import { duplicateKeyIndex, isDatabaseUnavailable, kindFromBuildInfo } from "../../../src/store/mongo.js";

const serverError = (fields: Record<string, unknown>) => new MongoServerError({ message: String(fields["errmsg"]), ...fields });

describe("duplicateKeyIndex: a unique clash on every backend", () => {
  it.each<[string, unknown, string | undefined, string | undefined]>([
    [
      "MongoDB, keyPattern",
      serverError({
        code: 11000,
        errmsg: "E11000 duplicate key error collection: db.identities index: tenant_email_unique dup key: { ... }",
        keyPattern: { tenant_id: 1, email_key: 1 },
      }),
      "tenant_id,email_key",
      "email",
    ],
    [
      "MongoDB, index named in the message only",
      serverError({ code: 11000, errmsg: "E11000 duplicate key error collection: db.identities index: tenant_username_unique dup key: { }" }),
      "tenant_username_unique",
      "username",
    ],
    ["MongoDB, _id", serverError({ code: 11000, errmsg: "E11000 duplicate key error", keyPattern: { _id: 1 } }), "_id", undefined],
    ["FerretDB insert (any backend): no index named", serverError({ code: 11000, errmsg: "E11000 duplicate key error collection: db.identities" }), "", undefined],
    [
      "FerretDB update, SQLite",
      serverError({ code: 1, errmsg: "UNIQUE constraint failed: index 'identities_8559737b_tenant_external_id_unique'" }),
      "",
      undefined,
    ],
    [
      "FerretDB update, PostgreSQL",
      serverError({
        code: 1,
        errmsg:
          // PostgreSQL cuts identifiers to 63 bytes: "tenant_email_uniqu".
          '[msg_update.go:133 handler.(*Handler).updateDocument] [collection.go:218 postgresql.(*collection).UpdateAll.func1] ERROR: duplicate key value violates unique constraint "identities_8559737b_tenant_email_uniqu_69c33d3c_idx" (SQLSTATE 23505)',
      }),
      "",
      undefined,
    ],
    ["another InternalError", serverError({ code: 1, errmsg: "something else broke" }), undefined, undefined],
    ["another server error", serverError({ code: 2, errmsg: "BadValue" }), undefined, undefined],
    ["not a server error", new Error("E11000 duplicate key"), undefined, undefined],
  ])("%s", (_name, err, index, field) => {
    expect(duplicateKeyIndex(err)).toBe(index);
    if (index !== undefined && index !== "") expect(uniqueFieldOfIndex(index)).toBe(field);
  });
});

describe("kindFromBuildInfo: only a server that says it is MongoDB is taken for one", () => {
  const mongodb = { version: "7.0.14", gitVersion: "ce59cfc6a3c5e5c067dca0d30697edd68d4f5188", storageEngines: ["devnull", "wiredTiger"], ok: 1 };
  it.each<[string, Record<string, unknown>, string]>([
    ["MongoDB", mongodb, "mongodb"],
    // As captured from FerretDB v1.24.2: it claims version 7.0.42 and adds its own fields.
    ["FerretDB", { version: "7.0.42", gitVersion: "unknown", ferretdbVersion: "v1.24.2", ferretdbFeatures: {}, ok: 1 }, "ferretdb"],
    ["FerretDB mimicking MongoDB's fields", { ...mongodb, ferretdbVersion: "v1.24.2" }, "ferretdb"],
    ["no storage engines", { ...mongodb, storageEngines: undefined }, "unknown"],
    ["a made-up commit", { ...mongodb, gitVersion: "1.0" }, "unknown"],
    ["an empty answer", { ok: 1 }, "unknown"],
  ])("%s → %s", (_name, info, kind) => {
    expect(kindFromBuildInfo(info)).toBe(kind);
  });
});

describe("isDatabaseUnavailable: what answers 951", () => {
  const nodeError = (message: string, code: string) => Object.assign(new Error(message), { code });
  it.each<[string, unknown, boolean]>([
    ["the driver's network error", new MongoNetworkError("connection 3 to 127.0.0.1:27017 closed"), true],
    // Seen when FerretDB was killed mid-request: the driver let Node's own write error through.
    ["Node's EPIPE from a write after the server closed the socket", nodeError("This socket has been ended by the other party", "EPIPE"), true],
    ["Node's ECONNRESET", nodeError("read ECONNRESET", "ECONNRESET"), true],
    ["a server error of the operation", serverError({ code: 2, errmsg: "BadValue" }), false],
    ["an error with an unrelated code", nodeError("no such file", "ENOENT"), false],
    ["a plain error", new Error("bug"), false],
  ])("%s: %s", (_, err, unavailable) => {
    expect(isDatabaseUnavailable(err)).toBe(unavailable);
  });
});
