// The API key store against the real database: the guarded last_used_at
// update and the unique digest index (what FerretDB must enforce for us).
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiKey } from "../../src/domain/api-key.js";
import { createApiKeyStore, type ApiKeyStore } from "../../src/store/api-key-store.js";
import { freshDatabaseUri } from "../support/test-server.js";

let client: MongoClient;
let db: Db;
let store: ApiKeyStore;
const t0 = new Date("2026-05-01T00:00:00Z");

beforeAll(async () => {
  client = await MongoClient.connect(freshDatabaseUri());
  db = client.db();
  store = await createApiKeyStore(db);
});
afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

let n = 0;
async function insertKey(digest = `digest-${n + 1}`): Promise<ApiKey & { digest: string }> {
  const key: ApiKey = {
    id: `key_store_${++n}`,
    tenantId: "ten_store",
    name: "k",
    scopes: ["admin:users:read"],
    organizationId: "",
    expiresAt: null,
    createdBy: "test",
    createdAt: t0,
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.insert(key, digest);
  return { ...key, digest };
}

describe("api key store", () => {
  // Sequential on purpose: FerretDB v1.24 runs a filtered updateOne as read
  // then write, so of 10 truly concurrent guarded updates several may write
  // (measured: up to 4). Within one process the authenticator sends one touch
  // per key per minute anyway (test/unit/auth/api-key-authenticator.test.ts);
  // across instances only touches racing within milliseconds can both land,
  // writing near-equal instants. On MongoDB the guard is atomic per document.
  it("writes last_used_at only when the stored one is a minute old or unset", async () => {
    const key = await insertKey();
    expect(await store.touchLastUsed(key.id, t0, 60_000)).toBe(true);
    expect(await store.touchLastUsed(key.id, t0, 60_000)).toBe(false);
    expect(await store.touchLastUsed(key.id, new Date(t0.getTime() + 59_999), 60_000)).toBe(false);
    expect((await store.findByDigest(key.digest))?.lastUsedAt?.getTime()).toBe(t0.getTime());
    expect(await store.touchLastUsed(key.id, new Date(t0.getTime() + 60_000), 60_000)).toBe(true);
    expect((await store.findByDigest(key.digest))?.lastUsedAt?.getTime()).toBe(t0.getTime() + 60_000);
  });

  it("refuses a second key with the same digest", async () => {
    await insertKey("same-digest");
    await expect(insertKey("same-digest")).rejects.toMatchObject({ code: 11000 });
  });

  it("keeps the first revoked_at and finds keys only in their tenant", async () => {
    const key = await insertKey();
    const first = await store.revoke("ten_store", key.id, t0);
    const second = await store.revoke("ten_store", key.id, new Date(t0.getTime() + 1_000));
    expect(first?.revokedAt?.getTime()).toBe(t0.getTime());
    expect(second?.revokedAt?.getTime()).toBe(t0.getTime());
    expect(await store.findById("ten_other", key.id)).toBeNull();
    expect(await store.revoke("ten_other", key.id, t0)).toBeNull();
  });
});
