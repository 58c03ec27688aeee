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
 * Which unique index a duplicate-key error (E11000) hit. MongoDB reports
 * `keyPattern`; FerretDB only names the index in the message, so both are read.
 */
export function duplicateKeyIndex(err: unknown): string | undefined {
  if (!(err instanceof MongoServerError) || err.code !== 11000) return undefined;
  const keyPattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
  if (keyPattern) return Object.keys(keyPattern).join(",");
  const match = /index: (\S+)/.exec(err.message);
  return match?.[1] ?? "";
}

/**
 * Creates indexes one createIndexes command each. FerretDB 1.24 drops the
 * connection (a server-side panic, "slice bounds out of range") when one
 * createIndexes command names two or more indexes that already exist, i.e.
 * whenever a second instance starts, or one restarts, on an existing database.
 * One index per command is idempotent on both servers.
 */
export async function createIndexesOneByOne<T extends Document>(
  collection: Collection<T>,
  indexes: readonly IndexDescription[],
): Promise<void> {
  for (const index of indexes) await collection.createIndexes([index]);
}
