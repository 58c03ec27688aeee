// Quick measurements behind the store's query shapes (docs/storage.md), on the
// local default (FerretDB on an embedded PostgreSQL) or MONGODB_URI:
// - guarded updates without write claims: how many of 10 concurrent
//   same-version updates "win" (1 means the server makes them atomic);
// - what a claimed conditional write costs against a bare guarded write;
// - point reads by {_id, tenant_id} against {_id} alone, and a list page
//   filter written with $and against the same filter flat.
// Usage: npx tsx bench/store-round-trips.ts [identities=5000]
import { medianMs } from "./median.js";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { startFerretDb } from "../scripts/ferretdb-process.mjs";
import { createOrganizationStore } from "../src/store/organization-store.js";
import { createWriteClaims } from "../src/store/write-claims.js";

const count = Number(process.argv[2] ?? 5_000);
const dataDir = process.env["MONGODB_URI"] ? undefined : mkdtempSync(join(tmpdir(), "avnology-round-trips-"));
const local = dataDir ? await startFerretDb({ dataDir, logFile: join(dataDir, "database.log") }) : undefined;
const client = await MongoClient.connect(process.env["MONGODB_URI"] ?? `${local!.uri}round_trips`);
const db = client.db();


try {
  const buildInfo = await db.command({ buildInfo: 1 });
  console.log(`server: ${buildInfo["ferretdbVersion"] ? `FerretDB ${buildInfo["ferretdbVersion"]}` : `MongoDB ${buildInfo["version"]}`}; ${count} identity-shaped documents`);
  const identities = db.collection<{ _id: string; [k: string]: unknown }>("identities");
  await identities.createIndex({ tenant_id: 1, created_at: 1, _id: 1 }, { name: "tenant_created_at_id" });
  const tenant = "ten_bench";
  const base = Date.now() - 86_400_000;
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1_000) {
    const docs = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => {
      const id = `usr_${randomUUID()}`;
      ids.push(id);
      return { _id: id, tenant_id: j % 10 === 0 ? "ten_other" : tenant, email_key: `u${i + j}@example.com`, created_at: new Date(base + i + j), version: 1, first_name: "Bench", traits: { team: "x" } };
    });
    await identities.insertMany(docs);
  }
  const probe = ids[Math.floor(ids.length / 2) + 1]!;

  // 1. Atomicity of a bare guarded update (no claims), 10 rounds of 10 writers.
  const winners: number[] = [];
  for (let round = 0; round < 10; round++) {
    const id = ids[round]!;
    await identities.updateOne({ _id: id }, { $set: { version: 1 } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, w) => identities.updateOne({ _id: id, version: 1 }, { $set: { version: 2, first_name: `W${w}` } })),
    );
    winners.push(results.filter((r) => r.modifiedCount === 1).length);
  }
  console.log(`guarded updateOne without claims, winners of 10 concurrent same-version writers per round: ${winners.join(" ")}`);

  // 2. A claimed conditional write against a bare guarded write.
  const claims = createWriteClaims(db, { alwaysClaim: true });
  let v = 100;
  await identities.updateOne({ _id: probe }, { $set: { version: v } });
  const bare = await medianMs(21, async () => {
    await identities.updateOne({ _id: probe, version: v }, { $set: { version: v + 1 } });
    v++;
  });
  const claimed = await medianMs(21, async () => {
    const version = v;
    await claims.withClaim(`identity/${tenant}/${probe}`, version, () => identities.updateOne({ _id: probe, version }, { $set: { version: version + 1 } }));
    v++;
  });
  console.log(`conditional write: bare guarded updateOne ${bare} ms, with a write claim ${claimed} ms (median of 21)`);

  // 3. Point reads and list filters.
  const withTenant = await medianMs(21, () => identities.findOne({ _id: probe, tenant_id: tenant }));
  const byId = await medianMs(21, () => identities.findOne({ _id: probe }));
  console.log(`findOne {_id, tenant_id} ${withTenant} ms; {_id} alone ${byId} ms (median of 21)`);
  const cursorAt = new Date(base + Math.floor(count / 2));
  const tie = { $or: [{ created_at: { $gt: cursorAt } }, { created_at: cursorAt, _id: { $gt: "usr_" } }] };
  const sort = { created_at: 1, _id: 1 } as const;
  const andForm = await medianMs(5, () =>
    identities.find({ $and: [{ tenant_id: tenant }, { created_at: { $gte: cursorAt } }, tie] }).sort(sort).limit(101).toArray(),
  );
  const flat = await medianMs(5, () => identities.find({ tenant_id: tenant, created_at: { $gte: cursorAt }, ...tie }).sort(sort).limit(101).toArray());
  console.log(`a page of 100 after a mid-collection cursor: $and form ${andForm} ms, flat form ${flat} ms (median of 5)`);

  // 4. The organization existence check of CreateIdentity: a read, then remembered.
  const organizations = await createOrganizationStore(db);
  await db.collection("organizations").insertMany(
    Array.from({ length: 1_000 }, (_, i) => ({ _id: `${tenant}/org_${i}`, tenant_id: tenant, organization_id: `org_${i}`, name: "x" })) as never[],
  );
  let o = 0;
  const firstCheck = await medianMs(21, () => organizations.exists(tenant, `org_${o++}`));
  const remembered = await medianMs(21, () => organizations.exists(tenant, "org_1"));
  console.log(`organization exists(): first check ${firstCheck} ms, remembered ${remembered} ms (median of 21, 1,000 organizations)`);

  // 5. Revoking a key: guarded update then read, against findOneAndUpdate.
  const keys = db.collection<{ _id: string; [k: string]: unknown }>("api_keys");
  await keys.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: `key_${i}`, tenant_id: tenant, revoked_at: null })));
  let r = 0;
  const twoTrips = await medianMs(21, async () => {
    const id = `key_${r++}`;
    await keys.updateOne({ _id: id, tenant_id: tenant, revoked_at: null }, { $set: { revoked_at: new Date() } });
    await keys.findOne({ _id: id });
  });
  const oneTrip = await medianMs(21, () =>
    keys.findOneAndUpdate({ _id: `key_${r++}`, tenant_id: tenant, revoked_at: null }, { $set: { revoked_at: new Date() } }, { returnDocument: "after" }),
  );
  console.log(`revoke: updateOne + findOne ${twoTrips} ms, findOneAndUpdate ${oneTrip} ms (median of 21)`);
} finally {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
  await local?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
