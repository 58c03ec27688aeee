// The store's indexes survive a restart: opening the store again on the same
// database re-runs index creation (a FerretDB 1.24 panic once hid here, see
// ensureIndexes in src/store/identity-store.ts).
import { expect, it } from "vitest";
import { listIndexes } from "../../src/store/identity-queries.js";
import { createIdentityStore } from "../../src/store/identity-store.js";
import { connectDatabase } from "../../src/store/mongo.js";
import { freshDatabaseUri } from "../support/test-server.js";

it("opens twice on one database and has every list and unique index", async () => {
  const database = await connectDatabase(freshDatabaseUri());
  try {
    await createIdentityStore(database.db);
    await createIdentityStore(database.db);
    const names = (await database.db.collection("identities").indexes()).map((i) => i.name).sort();
    expect(names).toEqual(
      ["_id_", "tenant_email_unique", "tenant_external_id_unique", "tenant_username_unique", ...Object.values(listIndexes)].sort(),
    );
  } finally {
    await database.db.dropDatabase().catch(() => undefined);
    await database.close();
  }
});
