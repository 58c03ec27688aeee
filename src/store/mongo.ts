// Opening the database. The store folder is the only code that imports
// `mongodb`; everything here must work on MongoDB and on FerretDB (no
// transactions, no partial/sparse/TTL indexes, no collation).
import { MongoClient, MongoServerError, type Collection, type Db, type Document, type IndexDescription } from "mongodb";

export interface Database {
  readonly db: Db;
  close(): Promise<void>;
  ping(): Promise<void>;
}

export async function connectDatabase(uri: string): Promise<Database> {
  const client = new MongoClient(uri, {
    // Fail fast at start-up and in tests instead of the driver's 30 s default.
    serverSelectionTimeoutMS: 10_000,
    // One process, two cores: a modest pool is plenty and keeps FerretDB calm.
    maxPoolSize: 32,
    appName: "avnology-identity",
  });
  await client.connect();
  const db = client.db(); // the database named in the URI
  return {
    db,
    close: () => client.close(),
    ping: async () => {
      await db.command({ ping: 1 });
    },
  };
}

/**
 * Which unique index a duplicate-key error (E11000) hit: undefined when the
 * error is not a duplicate key, "" when the server does not say (FerretDB
 * reports neither keyPattern nor the index name). MongoDB reports keyPattern.
 */
export function duplicateKeyIndex(err: unknown): string | undefined {
  if (!(err instanceof MongoServerError)) return undefined;
  // FerretDB 1.24 (SQLite backend) answers a unique violation on UPDATE with
  // InternalError (code 1) and SQLite's message instead of E11000:
  // "UNIQUE constraint failed: index 'identities_8559737b_tenant_email_unique'".
  const sqlite = err.code === 1 ? /UNIQUE constraint failed: index '([^']+)'/.exec(err.message) : null;
  if (sqlite) return sqlite[1];
  if (err.code !== 11000) return undefined;
  const keyPattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
  if (keyPattern) return Object.keys(keyPattern).join(",");
  const match = /index: (\S+)/.exec(err.message);
  return match?.[1] ?? "";
}

/**
 * Creates indexes one createIndexes call each: FerretDB 1.24 panics ("slice
 * bounds out of range") and drops the connection when one createIndexes
 * with several indexes meets a collection that already has some of them,
 * which is every restart against an existing database.
 */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, indexes: readonly IndexDescription[]): Promise<void> {
  for (const { key, ...options } of indexes) await collection.createIndex(key, options);
}
