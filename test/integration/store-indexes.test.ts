// Every store's indexes survive a restart: building the app again on the same
// database re-runs index creation (FerretDB 1.24 panics on a multi-index
// createIndexes that meets existing indexes; see ensureIndexes in src/store/mongo.ts).
import { expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/logger.js";
import { listIndexes } from "../../src/store/identity-queries.js";
import { connectDatabase } from "../../src/store/mongo.js";
import { freshDatabaseUri } from "../support/test-server.js";

it("builds the app twice on one database and keeps every index", async () => {
  const uri = freshDatabaseUri();
  const config = loadConfig({ MONGODB_URI: uri, API_KEY_PEPPER: randomBytes(32).toString("hex"), PORT: "0" });
  for (let start = 0; start < 2; start++) {
    const app = await buildApp(config, createLogger("silent"));
    await app.close();
  }
  const database = await connectDatabase(uri);
  try {
    const names = async (collection: string) => (await database.db.collection(collection).indexes()).map((i) => i.name).sort();
    expect(await names("identities")).toEqual(
      ["_id_", "tenant_email_unique", "tenant_external_id_unique", "tenant_username_unique", ...Object.values(listIndexes)].sort(),
    );
    expect(await names("api_keys")).toEqual(["_id_", "secret_digest_unique", "tenant_id", "tenant_org_id"]);
  } finally {
    await database.db.dropDatabase().catch(() => undefined);
    await database.close();
  }
});
