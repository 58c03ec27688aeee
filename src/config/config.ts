// Environment → validated, frozen configuration. The only place that reads
// process.env for the service; everything else gets a Config argument.
import { defaultImportedHashCaps, type ImportedHashCaps } from "../passwords/imported-hash.js";
import { defaultConnectionLimits, type ConnectionLimits } from "../transport/connection-limits.js";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly mongodbUri: string;
  /** Upper bound of a request body, in bytes (REST and Connect). */
  readonly maxBodyBytes: number;
  /** Upper bound of a batch request's body (BatchCreateIdentities), in bytes, on every transport. */
  readonly maxBatchBodyBytes: number;
  readonly logLevel: string;
  readonly argon2: {
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
    readonly maxConcurrent: number;
    readonly maxQueue: number;
  };
  /** Cost caps of imported password hashes (IMPORT_*; src/passwords/imported-hash.ts). */
  readonly importedHashCaps: ImportedHashCaps;
  readonly passwordMinLength: number;
  /** HIBP-compatible k-anonymity range API (`${url}/range/ABCDE`), consulted after the offline list. */
  readonly breachApiUrl: string | undefined;
  /** When the range API is unreachable: true = accept the password (the offline list still applies), false = 503. */
  readonly breachApiFailOpen: boolean;
  readonly breachApiTimeoutMs: number;
  readonly passwordMaxLength: number;
  readonly auth: AuthConfig;
  /** Browser origins allowed to call (CORS_ORIGINS, comma-separated; `*` = any; empty = none). */
  readonly corsOrigins: readonly string[];
  readonly idempotency: {
    /** How long a finished outcome is replayed (ms). */
    readonly retentionMs: number;
    /**
     * IDEMPOTENCY_LEASE_MS: how long a running request holds its key without
     * renewing it (it renews every third of it), i.e. how soon a retry may
     * take over the key of a request whose process died (ms).
     */
    readonly inProgressLeaseMs: number;
    /** How often expired records are deleted (ms). */
    readonly cleanupIntervalMs: number;
  };
  readonly rateLimits: RateLimitConfig;
  readonly operations: OperationsConfig;
  /** Timeouts and caps of the listening port (src/transport/connection-limits.ts). */
  readonly connections: ConnectionLimits;
  /** BENCH_STATS: answer `npm run bench`'s IPC requests for event-loop delay and peak RSS (bench/). */
  readonly benchStats: boolean;
}

/** Running behind a load balancer: database bounds, drain, metrics, proxies (README "Operating it"). */
export interface OperationsConfig {
  /** DATABASE_TIMEOUT_MS: how long a call waits for an unreachable database before 503 AVNOLOGY_AUTH_951. */
  readonly databaseTimeoutMs: number;
  /** SHUTDOWN_DELAY_MS: after SIGTERM, how long the service keeps answering while reporting not ready. */
  readonly shutdownDelayMs: number;
  /** SHUTDOWN_TIMEOUT_MS: then how long in-flight calls may take to finish. */
  readonly shutdownTimeoutMs: number;
  /** METRICS_PORT: also serve /metrics on this port (unset: only on the service port). */
  readonly metricsPort?: number;
  /** TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed (empty: the socket peer is the client). */
  readonly trustedProxies: readonly string[];
}

/** A token bucket: `ratePerSecond` refill, at most `burst` tokens; rate 0 disables it. */
export interface BucketConfig {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface RateLimitConfig {
  readonly credential: BucketConfig;
  readonly tenant: BucketConfig;
  /** Calls that hash a password (Argon2id), per credential, on top of the two above. */
  readonly password: BucketConfig;
  /** How often consumption is exchanged with the other instances through MongoDB (ms). */
  readonly syncIntervalMs: number;
  /** Fully-qualified services never limited; a trailing `*` matches a prefix. */
  readonly exemptServices: readonly string[];
}

export interface AuthConfig {
  /** BOOTSTRAP_KEY: the one credential that creates tenants; unset = none accepted. */
  readonly bootstrapKey?: string;
  /** API_KEY_PEPPER: HMAC key of the stored key digests. Required: changing it invalidates every key. */
  readonly apiKeyPepper: string;
  /** API_KEY_CACHE_TTL_MS: how long a key read from the database is trusted (the revocation bound). */
  readonly apiKeyCacheTtlMs: number;
  /** AUTH_FAILURE_LIMIT bad credentials per client address within AUTH_FAILURE_WINDOW_MS, then 429. */
  readonly failureLimit: number;
  readonly failureWindowMs: number;
  /** OAuth access tokens; unset when neither OAUTH_JWKS_URL nor OAUTH_JWKS_FILE is. */
  readonly oauth?: OAuthConfig;
}

export interface OAuthConfig {
  readonly jwksUrl?: string;
  readonly jwksFile?: string;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms?: readonly string[];
  readonly tenantClaim?: string;
  readonly organizationClaim?: string;
  readonly clockToleranceSeconds: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const config: Config = {
    port: int(env, "PORT", 8080, 0, 65535),
    host: env["HOST"] ?? "0.0.0.0",
    mongodbUri: env["MONGODB_URI"] || "mongodb://127.0.0.1:27017/avnology",
    maxBodyBytes: int(env, "MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxBatchBodyBytes: int(env, "MAX_BATCH_BODY_BYTES", 8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    logLevel: env["LOG_LEVEL"] ?? "info",
    argon2: {
      memoryCost: int(env, "ARGON2_MEMORY_KIB", 19456, 1024, 4 * 1024 * 1024),
      timeCost: int(env, "ARGON2_ITERATIONS", 2, 1, 100),
      parallelism: int(env, "ARGON2_PARALLELISM", 1, 1, 16),
      maxConcurrent: int(env, "ARGON2_MAX_CONCURRENT", 2, 1, 64),
      maxQueue: int(env, "ARGON2_MAX_QUEUE", 64, 0, 100_000),
    },
    importedHashCaps: {
      bcryptMaxCost: int(env, "IMPORT_BCRYPT_MAX_COST", defaultImportedHashCaps.bcryptMaxCost, 4, 31),
      argon2MaxMemoryKiB: int(env, "IMPORT_ARGON2_MAX_MEMORY_KIB", defaultImportedHashCaps.argon2MaxMemoryKiB, 8, 4 * 1024 * 1024),
      argon2MaxTime: int(env, "IMPORT_ARGON2_MAX_TIME", defaultImportedHashCaps.argon2MaxTime, 1, 100),
      scryptMaxMemoryBytes: int(env, "IMPORT_SCRYPT_MAX_MEMORY_BYTES", defaultImportedHashCaps.scryptMaxMemoryBytes, 1024, 4 * 1024 * 1024 * 1024),
      pbkdf2MaxIterations: int(env, "IMPORT_PBKDF2_MAX_ITERATIONS", defaultImportedHashCaps.pbkdf2MaxIterations, 1, 100_000_000),
    },
    passwordMinLength: int(env, "PASSWORD_MIN_LENGTH", 8, 1, 128),
    breachApiUrl: env["BREACH_API_URL"] || undefined,
    breachApiFailOpen: flag(env, "BREACH_API_FAIL_OPEN", true),
    breachApiTimeoutMs: int(env, "BREACH_API_TIMEOUT_MS", 1500, 50, 30_000),
    passwordMaxLength: int(env, "PASSWORD_MAX_LENGTH", 256, 64, 4096),
    auth: loadAuthConfig(env),
    corsOrigins: list(env, "CORS_ORIGINS"),
    idempotency: {
      retentionMs: int(env, "IDEMPOTENCY_RETENTION_SECONDS", 24 * 3600, 60, 30 * 24 * 3600) * 1000,
      inProgressLeaseMs: int(env, "IDEMPOTENCY_LEASE_MS", 5_000, 300, 3_600_000),
      cleanupIntervalMs: int(env, "IDEMPOTENCY_CLEANUP_INTERVAL_SECONDS", 600, 1, 24 * 3600) * 1000,
    },
    rateLimits: {
      credential: bucket(env, "RATE_LIMIT_CREDENTIAL", 50, 100),
      tenant: bucket(env, "RATE_LIMIT_TENANT", 200, 400),
      password: bucket(env, "RATE_LIMIT_PASSWORD", 5, 20),
      syncIntervalMs: int(env, "RATE_LIMIT_SYNC_INTERVAL_MS", 500, 50, 60_000),
      exemptServices: serviceList(env, "RATE_LIMIT_EXEMPT_SERVICES", ["grpc.health.v1.Health", "grpc.reflection.*"]),
    },
    operations: {
      databaseTimeoutMs: int(env, "DATABASE_TIMEOUT_MS", 2_000, 100, 60_000),
      shutdownDelayMs: int(env, "SHUTDOWN_DELAY_MS", 5_000, 0, 300_000),
      shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 300_000),
      ...optional("metricsPort", env["METRICS_PORT"] ? int(env, "METRICS_PORT", 0, 0, 65535) : undefined),
      trustedProxies: Object.freeze((env["TRUSTED_PROXIES"] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "")),
    },
    connections: loadConnectionLimits(env),
    benchStats: flag(env, "BENCH_STATS", false),
  };
  return Object.freeze(config);
}

function loadConnectionLimits(env: Env): ConnectionLimits {
  const d = defaultConnectionLimits;
  const limits: ConnectionLimits = {
    headersTimeoutMs: int(env, "HEADERS_TIMEOUT_MS", d.headersTimeoutMs, 100, 600_000),
    requestTimeoutMs: int(env, "REQUEST_TIMEOUT_MS", d.requestTimeoutMs, 100, 3_600_000),
    idleTimeoutMs: int(env, "IDLE_TIMEOUT_MS", d.idleTimeoutMs, 100, 3_600_000),
    maxConnections: int(env, "MAX_CONNECTIONS", d.maxConnections, 1, 1_000_000),
    maxConnectionsPerAddress: int(env, "MAX_CONNECTIONS_PER_ADDRESS", d.maxConnectionsPerAddress, 1, 1_000_000),
    h2SessionsPerSecondPerAddress: number(env, "H2_SESSIONS_PER_SECOND_PER_ADDRESS", d.h2SessionsPerSecondPerAddress, 0.01, 100_000),
    h2SessionBurstPerAddress: int(env, "H2_SESSION_BURST_PER_ADDRESS", d.h2SessionBurstPerAddress, 1, 1_000_000),
    h2ResetsPerSecondPerAddress: number(env, "H2_RESETS_PER_SECOND_PER_ADDRESS", d.h2ResetsPerSecondPerAddress, 0.01, 1_000_000),
    h2ResetBurstPerAddress: int(env, "H2_RESET_BURST_PER_ADDRESS", d.h2ResetBurstPerAddress, 1, 10_000_000),
    h2ResetPenaltyMs: int(env, "H2_RESET_PENALTY_MS", d.h2ResetPenaltyMs, 0, 3_600_000),
    h2MaxConcurrentStreams: int(env, "H2_MAX_CONCURRENT_STREAMS", d.h2MaxConcurrentStreams, 1, 10_000),
    maxHeaderBytes: int(env, "MAX_HEADER_BYTES", d.maxHeaderBytes, 1024, 1024 * 1024),
  };
  // Node refuses an HTTP/1.1 server whose header timeout exceeds its request timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error("HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS");
  }
  return Object.freeze(limits);
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** `<PREFIX>_RPS` (0 = unlimited) and `<PREFIX>_BURST` (≥ 1 when limited). */
function bucket(env: Env, prefix: string, rate: number, burst: number): BucketConfig {
  const ratePerSecond = number(env, `${prefix}_RPS`, rate, 0, 1_000_000);
  return { ratePerSecond, burst: int(env, `${prefix}_BURST`, burst, 1, 10_000_000) };
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
}

function serviceList(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!/^[A-Za-z_][\w.]*\*?$/.test(item)) throw new Error(`${name}: ${JSON.stringify(item)} is not a service name or prefix*`);
  }
  return Object.freeze(items);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new Error(`${name} must be 1/true or 0/false, got ${JSON.stringify(raw)}`);
}

// Secrets shorter than this are guessable or typos; 32 characters of a
// random string is at least ~190 bits.
const minSecretLength = 32;

function loadAuthConfig(env: Env): AuthConfig {
  const pepper = env["API_KEY_PEPPER"] ?? "";
  // No default, not even for development: a default pepper is a public one,
  // and a pepper that changes between restarts silently invalidates every key.
  // scripts/start.sh makes a local one for the quick start.
  if (pepper.length < minSecretLength) {
    throw new Error(`API_KEY_PEPPER must be set to a random secret of at least ${minSecretLength} characters`);
  }
  const bootstrapKey = env["BOOTSTRAP_KEY"] || undefined;
  if (bootstrapKey !== undefined && (bootstrapKey.length < minSecretLength || /\s/.test(bootstrapKey))) {
    throw new Error(`BOOTSTRAP_KEY must be at least ${minSecretLength} characters without whitespace`);
  }
  return {
    ...(bootstrapKey === undefined ? {} : { bootstrapKey }),
    apiKeyPepper: pepper,
    apiKeyCacheTtlMs: int(env, "API_KEY_CACHE_TTL_MS", 5_000, 0, 300_000),
    failureLimit: int(env, "AUTH_FAILURE_LIMIT", 20, 1, 1_000_000),
    failureWindowMs: int(env, "AUTH_FAILURE_WINDOW_MS", 60_000, 1_000, 86_400_000),
    ...optional("oauth", loadOAuthConfig(env)),
  };
}

function loadOAuthConfig(env: Env): OAuthConfig | undefined {
  const jwksUrl = env["OAUTH_JWKS_URL"] || undefined;
  const jwksFile = env["OAUTH_JWKS_FILE"] || undefined;
  if (jwksUrl === undefined && jwksFile === undefined) return undefined;
  if (jwksUrl !== undefined && jwksFile !== undefined) throw new Error("set only one of OAUTH_JWKS_URL and OAUTH_JWKS_FILE");
  const issuer = env["OAUTH_ISSUER"] ?? "";
  const audience = env["OAUTH_AUDIENCE"] ?? "";
  if (issuer === "" || audience === "") throw new Error("OAUTH_ISSUER and OAUTH_AUDIENCE are required with a JWKS");
  const algorithms = env["OAUTH_ALGORITHMS"]?.split(",").map((a) => a.trim()).filter((a) => a !== "");
  return {
    ...optional("jwksUrl", jwksUrl),
    ...optional("jwksFile", jwksFile),
    issuer,
    audience,
    ...optional("algorithms", algorithms?.length ? algorithms : undefined),
    ...optional("tenantClaim", env["OAUTH_TENANT_CLAIM"] || undefined),
    ...optional("organizationClaim", env["OAUTH_ORGANIZATION_CLAIM"] || undefined),
    clockToleranceSeconds: int(env, "OAUTH_CLOCK_TOLERANCE_SECONDS", 30, 0, 300),
  };
}

/** `{name: value}`, or nothing when value is undefined: an unset option is absent from the frozen config, not present as `undefined`. */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

function list(env: Env, name: string): readonly string[] {
  const items = (env[name] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (item !== "*" && !/^https?:\/\/[^/\s]+$/.test(item)) {
      throw new Error(`${name}: ${JSON.stringify(item)} is not an origin like https://app.example.com (or *)`);
    }
  }
  return Object.freeze(items);
}
