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
 * Which unique index a duplicate-key error hit: undefined when the error is
 * not a duplicate key, "" when the server does not reliably say. How each
 * server reports one (docs/storage.md):
 * - MongoDB: E11000 with `keyPattern` (and the index name in the message).
 * - FerretDB 1.24, insert (both backends): E11000 naming no index.
 * - FerretDB 1.24, update: InternalError (code 1) carrying the SQL error,
 *   SQLite's "UNIQUE constraint failed: index '...'" or PostgreSQL's
 *   "duplicate key value violates unique constraint \"...\" (SQLSTATE 23505)".
 *   The SQL index name is FerretDB's, not ours, and PostgreSQL cuts it to 63
 *   bytes ("identities_8559737b_tenant_email_uniqu_69c33d3c_idx"), so it is
 *   recognised as a clash but not trusted to say which index.
 * Callers classify a "" clash by reading which value is taken.
 */
export function duplicateKeyIndex(err: unknown): string | undefined {
  if (!(err instanceof MongoServerError)) return undefined;
  if (err.code === 1) {
    const sqlUniqueViolation = /UNIQUE constraint failed: index '|duplicate key value violates unique constraint "/;
    return sqlUniqueViolation.test(err.message) ? "" : undefined;
  }
  if (err.code !== 11000) return undefined;
  const keyPattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
  if (keyPattern) return Object.keys(keyPattern).join(",");
  const match = /index: (\S+)/.exec(err.message);
  return match?.[1] ?? "";
}

/** What the server says it is: only "mongodb" lets a caller rely on MongoDB's semantics. */
export type ServerKind = "mongodb" | "ferretdb" | "unknown";

const serverKinds = new WeakMap<Db, Promise<ServerKind>>();

/**
 * Asks the server once per Db (buildInfo needs no privileges). FerretDB
 * answers with `ferretdbVersion`/`ferretdbFeatures`; MongoDB with the 40-hex
 * commit it was built from and its storage engines. Anything else, or an
 * error, is "unknown": never a guess that a server is MongoDB.
 */
export function serverKind(db: Db): Promise<ServerKind> {
  let kind = serverKinds.get(db);
  if (kind === undefined) {
    kind = db.command({ buildInfo: 1 }).then(kindFromBuildInfo, () => {
      // Not cached: the next caller asks again (the server may be back).
      serverKinds.delete(db);
      return "unknown" as const;
    });
    serverKinds.set(db, kind);
  }
  return kind;
}

export function kindFromBuildInfo(info: Document): ServerKind {
  if (Object.keys(info).some((k) => k.toLowerCase().startsWith("ferretdb"))) return "ferretdb";
  const engines: unknown = info["storageEngines"];
  const mongodb =
    typeof info["gitVersion"] === "string" &&
    /^[0-9a-f]{40}$/.test(info["gitVersion"]) &&
    Array.isArray(engines) &&
    engines.includes("wiredTiger");
  return mongodb ? "mongodb" : "unknown";
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
