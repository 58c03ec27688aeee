// Claims must give exactly one winner under concurrency on the real database
// (FerretDB's guarded updates do not, which is why claims exist).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import { createClaims, type Claims } from "../../src/store/claims.js";
import { freshDatabaseUri } from "../support/test-server.js";

let client: MongoClient;
let claims: Claims;
beforeAll(async () => {
  client = await MongoClient.connect(freshDatabaseUri(), { maxPoolSize: 20 });
  claims = createClaims(client.db());
});
afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
});

describe("claims", () => {
  it("give exactly one winner among 20 concurrent claimants, round after round", async () => {
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(Array.from({ length: 20 }, () => claims.claim(`round:${round}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it("can be claimed again once released", async () => {
    expect(await claims.claim("released")).toBe(true);
    expect(await claims.claim("released")).toBe(false);
    await claims.release(["released"]);
    expect(await claims.claim("released")).toBe(true);
  });
});
