// Starts the real app on an ephemeral port against the run's database, with
// a database of its own per server, and stops it afterwards.
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { pino } from "pino";
import { MongoClient, type Db } from "mongodb";
import { buildApp } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config/config.js";

export interface TestServer {
  readonly port: number;
  readonly baseUrl: string;
  readonly config: Config;
  /** Direct access to the server's database, for assertions on what was stored. */
  readonly db: Db;
  /**
   * Headers that authenticate as a tenant-wide admin caller holding every
   * scope (HTTP headers for REST/Connect, metadata for grpc-js). Send them on
   * every call: how they are obtained changes as auth evolves, the tests don't.
   */
  readonly auth: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** A MongoDB URI naming a fresh database on the run's server. */
export function freshDatabaseUri(): string {
  const url = new URL(inject("mongodbUri"));
  url.pathname = `/test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  return url.toString();
}

export const testRateLimits: Readonly<Record<string, string>> = {
  RATE_LIMIT_CREDENTIAL_RPS: "100000",
  RATE_LIMIT_CREDENTIAL_BURST: "100000",
  RATE_LIMIT_TENANT_RPS: "100000",
  RATE_LIMIT_TENANT_BURST: "100000",
  RATE_LIMIT_PASSWORD_RPS: "100000",
  RATE_LIMIT_PASSWORD_BURST: "100000",
};

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    MONGODB_URI: freshDatabaseUri(),
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env["LOG_LEVEL"] ?? "silent",
    // Until API keys exist (issue 4) the admin caller is the dev switch's.
    INSECURE_DEV_ALLOW_UNAUTHENTICATED: "1",
    // Every test calls as one caller, much faster than any client would:
    // budgets far above what a test file uses (rate-limit tests set their own).
    ...testRateLimits,
    ...env,
  });
  const logger = pino({ level: config.logLevel });
  const app = await buildApp(config, logger);
  const server = await app.listen();
  const client = await MongoClient.connect(config.mongodbUri);
  return {
    port: server.port,
    baseUrl: `http://127.0.0.1:${server.port}`,
    config,
    db: client.db(),
    auth: {},
    async close() {
      await server.close(1_000);
      await app.close();
      await client.db().dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
