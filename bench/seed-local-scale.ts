// How far the local default carries: the service (REST, in this process) on
// FerretDB + embedded PostgreSQL, seeded with raw insertMany to 10,000 and
// then 100,000 identities of one tenant, timing GetIdentity, a 404,
// CreateIdentity without a password, and ListIdentities pages of 100 (the
// first page, and a page after a mid-collection cursor through the store,
// the query the service sends for page 500). Median of a few runs; absolute
// times depend on the machine, the ratio to the raw driver does not much.
// Usage: npx tsx bench/seed-local-scale.ts [sizes=10000,100000]
import { medianMs } from "./median.js";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { startFerretDb } from "../scripts/ferretdb-process.mjs";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/logger.js";
import { createIdentityStore } from "../src/store/identity-store.js";
import { setUpAdminTenant } from "../test/support/admin-tenant.js";
import { rest } from "../test/support/rest.js";

const sizes = (process.argv[2] ?? "10000,100000").split(",").map(Number);
const dataDir = mkdtempSync(join(tmpdir(), "avnology-scale-"));
const database = await startFerretDb({ dataDir, logFile: join(dataDir, "database.log") });
const uri = `${database.uri}scale`;
const bootstrapKey = `bk_${randomBytes(24).toString("hex")}`;
const config = loadConfig({
  MONGODB_URI: uri,
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: "silent",
  BOOTSTRAP_KEY: bootstrapKey,
  API_KEY_PEPPER: randomBytes(32).toString("hex"),
  RATE_LIMIT_CREDENTIAL_RPS: "0",
  RATE_LIMIT_TENANT_RPS: "0",
  RATE_LIMIT_PASSWORD_RPS: "0",
});
const app = await buildApp(config, createLogger("silent"));
const server = await app.listen();
const baseUrl = `http://127.0.0.1:${server.port}`;
const client = await MongoClient.connect(uri);
const identities = client.db().collection<Record<string, unknown> & { _id: string }>("identities");


/** The stored shape of an identity (src/store/identity-store.ts toDocument). */
function identityDocument(tenantId: string, n: number, createdAt: Date) {
  const id = `usr_${randomUUID()}`;
  return {
    _id: id, tenant_id: tenantId, email: `seed.${n}@example.com`, email_key: `seed.${n}@example.com`,
    username: "", username_key: `!${id}`, first_name: "Seed", last_name: `N${n}`, display_name: "", phone: "",
    organization_id: "", locale: "", timezone: "", external_id: "", external_id_key: `!${id}`,
    traits: { department: "Engineering" }, admin_metadata: null, metadata: null, email_verified: false,
    phone_verified: false, state: "active", password_hash: null, created_at: createdAt, updated_at: null,
    created_by: "seed", updated_by: "", version: 1,
  };
}

try {
  const { auth, tenantId } = await setUpAdminTenant(baseUrl, bootstrapKey);
  const store = await createIdentityStore(client.db());
  const base = Date.now() - 30 * 86_400_000;
  let seeded = 0;
  const rows: string[] = [];
  for (const size of sizes) {
    const started = performance.now();
    while (seeded < size) {
      const batch = Array.from({ length: Math.min(1_000, size - seeded) }, (_, i) => identityDocument(tenantId, seeded + i, new Date(base + seeded + i)));
      await identities.insertMany(batch, { ordered: false });
      seeded += batch.length;
    }
    const seedS = Math.round((performance.now() - started) / 100) / 10;
    const sample = await identities.find({}, { projection: { _id: 1 } }).skip(Math.floor(size / 2)).limit(1).toArray();
    const id = sample[0]!._id;
    const get = await medianMs(11, () => rest(baseUrl, "GET", `/v1/identities/${id}`, undefined, auth));
    const rawGet = await medianMs(11, () => identities.findOne({ _id: id }));
    const missing = await medianMs(5, () => rest(baseUrl, "GET", `/v1/identities/usr_${randomUUID()}`, undefined, auth));
    let k = 0;
    const create = await medianMs(7, async () => {
      const res = await rest(baseUrl, "POST", "/v1/identities", { identity: { email: `scale.${size}.${k++}@example.com` } }, auth);
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
    });
    const firstPage = await medianMs(3, () => rest(baseUrl, "GET", "/v1/identities?page_size=100", undefined, auth));
    const cursor = { createdAt: new Date(base + Math.floor(size / 2)), id: "usr_" };
    const deepPage = await medianMs(3, () => store.listPage(tenantId, {}, cursor, 101));
    rows.push(`| ${size.toLocaleString("en")} | ${seedS} s | ${get} ms (raw findOne ${rawGet} ms) | ${missing} ms | ${create} ms | ${firstPage} ms | ${deepPage} ms |`);
    console.log(rows.at(-1));
  }
  console.log("\n| identities | seed (insertMany) | GetIdentity (REST) | 404 | CreateIdentity, no password | list page 1 (REST) | list page after a mid cursor (store) |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  await client.db().dropDatabase().catch(() => undefined);
  await client.close();
  await server.close(1_000);
  await app.close();
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
