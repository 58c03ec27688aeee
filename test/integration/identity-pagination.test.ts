// Walks 2,500 identities in pages of 100 over REST while other requests
// insert (at the end and in the middle of the order) and delete, and checks
// the keyset cursor's promise: every identity that existed throughout appears
// exactly once, and nothing appears twice.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Identity } from "../../src/domain/identity.js";
import { emptyIdentityFields } from "../../src/domain/identity.js";
import { createIdentityStore, type IdentityStore } from "../../src/store/identity-store.js";
import { rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const total = 2_500;
const pageSize = 100;
let server: TestServer;
let store: IdentityStore;

beforeAll(async () => {
  server = await startTestServer();
  store = await createIdentityStore(server.db);
});
afterAll(async () => {
  await server?.close();
});

const call = (method: string, path: string, body?: unknown) => rest(server.baseUrl, method, path, body, { ...server.auth });

function identity(tenantId: string, createdAt: Date, n: number | string): Identity {
  return {
    ...emptyIdentityFields(),
    email: `walk.${n}@example.com`,
    id: `usr_${randomUUID()}`,
    tenantId,
    state: "active",
    createdAt,
    updatedAt: null,
    createdBy: "pagination-test",
    updatedBy: "",
    version: 1,
  };
}

it("walks 2,500 identities in pages of 100 under concurrent inserts and deletes: each survivor once, nothing twice", { timeout: 120_000 }, async () => {
  // The caller's tenant, whatever server.auth resolves to.
  const probe = await call("POST", "/v1/identities", { identity: { email: "walk.probe@example.com" } });
  expect(probe.status).toBe(201);
  const tenantId = (await server.db.collection("identities").findOne({ _id: probe.json.id }))!["tenant_id"] as string;
  await call("DELETE", `/v1/identities/${probe.json.id}`);

  // 2,500 identities an hour in the past, three per millisecond so that the
  // _id tie-break of the cursor is exercised too. Inserted through the store
  // in parallel batches (FerretDB on 2 cores is slow one by one).
  const started = performance.now();
  const base = Date.now() - 3_600_000;
  const seeded = Array.from({ length: total }, (_, i) => identity(tenantId, new Date(base + Math.floor(i / 3)), i));
  for (let i = 0; i < seeded.length; i += 50) {
    const results = await Promise.all(seeded.slice(i, i + 50).map((s) => store.insert(s, null)));
    expect(results.every((r) => r.ok)).toBe(true);
  }
  const seedMs = performance.now() - started;

  // Every 7th seeded identity is deleted while the walk runs.
  const toDelete = seeded.filter((_, i) => i % 7 === 3).map((s) => s.id);
  const deleted = new Set<string>();
  let walking = true;
  let extraInserts = 0;
  const churn = (async () => {
    let k = 0;
    while (walking || k < toDelete.length / 4) {
      const victim = toDelete[k];
      const jobs: Promise<unknown>[] = [
        // New identities at the end of the order (REST) and in the middle of it (store).
        call("POST", "/v1/identities", { identity: { email: `walk.new.${k}@example.com` } }),
        store.insert(identity(tenantId, new Date(base + Math.floor(Math.random() * (total / 3))), `mid.${k}`), null),
      ];
      if (victim) {
        jobs.push(call("DELETE", `/v1/identities/${victim}`).then((r) => {
          expect(r.status).toBe(204);
          deleted.add(victim);
        }));
      }
      await Promise.all(jobs);
      extraInserts += 2;
      k++;
      if (k >= toDelete.length) break;
    }
  })();

  const seen = new Map<string, number>();
  let token = "";
  let pages = 0;
  const walkStarted = performance.now();
  do {
    const res = await call("GET", `/v1/identities?page_size=${pageSize}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
    expect(res.status).toBe(200);
    expect(res.json.identities.length).toBeLessThanOrEqual(pageSize);
    for (const { id } of res.json.identities as { id: string }[]) seen.set(id, (seen.get(id) ?? 0) + 1);
    token = res.json.next_page_token;
    pages++;
  } while (token !== "");
  const walkMs = performance.now() - walkStarted;
  walking = false;
  await churn;

  const duplicates = [...seen].filter(([, n]) => n > 1);
  expect(duplicates).toEqual([]);
  const survivors = seeded.filter((s) => !toDelete.includes(s.id));
  const missing = survivors.filter((s) => !seen.has(s.id));
  expect(missing).toEqual([]);
  expect(pages).toBeGreaterThanOrEqual(Math.ceil(survivors.length / pageSize));
  // The churn really overlapped the walk.
  expect(deleted.size).toBeGreaterThan(0);
  expect(extraInserts).toBeGreaterThan(0);
  console.info(
    `pagination: seeded ${total} in ${Math.round(seedMs)} ms; walked ${pages} pages (${seen.size} ids) in ${Math.round(walkMs)} ms ` +
      `while deleting ${deleted.size} and inserting ${extraInserts}`,
  );
});
