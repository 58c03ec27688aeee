// Opening the database. The store folder is the only code that imports
// `mongodb`; everything here must work on MongoDB and on FerretDB (no
// transactions, no partial/sparse/TTL indexes, no collation).
import {
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
  type MongoClientOptions,
} from "mongodb";

export interface Database {
  readonly db: Db;
  /**
   * Connects (again, after a failed attempt); resolves at once when
   * connected. The driver reconnects by itself after an outage, but only once
   * a first connect succeeded: a failed first attempt closes its topology
   * for good, and every later operation fails with "Topology is closed".
   */
  connect(): Promise<void>;
  close(): Promise<void>;
  /** Rejects when the server does not answer within timeoutMs (default: the database timeout). */
  ping(timeoutMs?: number): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * How long an operation waits for a reachable server (and a new connection
   * for its handshake) before it fails: DATABASE_TIMEOUT_MS. Without it the
   * driver waits 30 s, far beyond any caller's patience and any probe's.
   */
  readonly timeoutMs?: number;
}

/**
 * Opens a client without waiting for the server, so the service can start
 * (and answer probes and 503s) while the database is not reachable yet; call
 * connect() until it succeeds before using `db`.
 */
export function openDatabase(uri: string, options: DatabaseOptions = {}): Database {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const clientOptions: MongoClientOptions = {
    serverSelectionTimeoutMS: timeoutMs,
    // Establishing a connection (TCP, hello, auth) may take longer than one
    // call may wait, e.g. a server just restarted under load: with the same
    // bound, every attempt was cut short and the pool never recovered (seen
    // once in the outage test on a loaded machine). A call still answers 951
    // after serverSelectionTimeoutMS or its own deadline; the connection
    // keeps being established for the calls after it.
    connectTimeoutMS: Math.max(timeoutMs, 10_000),
    // How soon the driver notices the server is back after an outage (its
    // default is 10 s); one `hello` a second is nothing for the server.
    heartbeatFrequencyMS: 1_000,
    // One process, two cores: a modest pool is plenty and keeps FerretDB calm.
    maxPoolSize: 32,
    appName: "avnology-identity",
  };
  const client = new MongoClient(uri, clientOptions);
  const db = client.db(); // the database named in the URI
  let connected = false;
  let connecting: Promise<void> | undefined;
  const connect = async (): Promise<void> => {
    if (connected) return;
    connecting ??= client.connect().then(
      () => {
        connected = true;
        connecting = undefined;
      },
      (err: unknown) => {
        connecting = undefined;
        throw err;
      },
    );
    await connecting;
  };
  return {
    db,
    connect,
    close: () => client.close(),
    ping: async (pingTimeoutMs = timeoutMs) => {
      await connect();
      await db.command({ ping: 1 }, { timeoutMS: pingTimeoutMs });
    },
  };
}

/** Opens the database and waits until it answers (scripts and tests that need it up). */
export async function connectDatabase(uri: string, options: DatabaseOptions = {}): Promise<Database> {
  const database = openDatabase(uri, { timeoutMs: options.timeoutMs ?? 10_000 });
  await database.ping();
  return database;
}

// Server answers that mean "not now" rather than "not so": shutting down,
// interrupted, stepped down, unreachable. (MongoDB's error codes; FerretDB
// sends the shutdown ones while it stops.)
const unavailableServerCodes = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True for the errors that mean "the database is not reachable (now)" rather
 * than "the operation is wrong": no server selectable, connection refused or
 * reset, timed out, client closed. These answer 503 AVNOLOGY_AUTH_951.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return (
    isSocketFailure(err) ||
    (err instanceof MongoServerError && unavailableServerCodes.has(Number(err.code))) ||
    (err instanceof MongoError && (err.hasErrorLabel("ResetPool") || err.hasErrorLabel("SystemOverloadedError"))) ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError || // includes MongoNetworkTimeoutError
    err instanceof MongoOperationTimeoutError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    (err instanceof Error && err.name === "MongoPoolClearedError")
  );
}

/** Socket errors a connection to the server can end with. */
const socketFailureCodes = new Set(["EPIPE", "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * A Node socket error that reached us unwrapped: the driver (6.x) lets a
 * write to a socket the server has just closed throw Node's own EPIPE
 * ("This socket has been ended by the other party") instead of a
 * MongoNetworkError, seen when the server is killed mid-request.
 */
function isSocketFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && !(err instanceof MongoError) && typeof code === "string" && socketFailureCodes.has(code);
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
