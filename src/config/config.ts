// Environment → validated, frozen configuration. The only place that reads
// process.env for the service; everything else gets a Config argument.

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly mongodbUri: string;
  /** Upper bound of a request body, in bytes (REST and Connect). */
  readonly maxBodyBytes: number;
  readonly logLevel: string;
  readonly argon2: {
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
    readonly maxConcurrent: number;
    readonly maxQueue: number;
  };
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
    /** How long an in-progress record blocks its key before it may be taken over (ms). */
    readonly inProgressLeaseMs: number;
    /** How often expired records are deleted (ms). */
    readonly cleanupIntervalMs: number;
  };
  readonly rateLimits: RateLimitConfig;
  /** BENCH_STATS: answer `npm run bench`'s IPC requests for event-loop delay and peak RSS (bench/). */
  readonly benchStats: boolean;
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
    logLevel: env["LOG_LEVEL"] ?? "info",
    argon2: {
      memoryCost: int(env, "ARGON2_MEMORY_KIB", 19456, 1024, 4 * 1024 * 1024),
      timeCost: int(env, "ARGON2_ITERATIONS", 2, 1, 100),
      parallelism: int(env, "ARGON2_PARALLELISM", 1, 1, 16),
      maxConcurrent: int(env, "ARGON2_MAX_CONCURRENT", 2, 1, 64),
      maxQueue: int(env, "ARGON2_MAX_QUEUE", 64, 0, 100_000),
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
      inProgressLeaseMs: int(env, "IDEMPOTENCY_IN_PROGRESS_LEASE_SECONDS", 60, 1, 3600) * 1000,
      cleanupIntervalMs: int(env, "IDEMPOTENCY_CLEANUP_INTERVAL_SECONDS", 600, 1, 24 * 3600) * 1000,
    },
    rateLimits: {
      credential: bucket(env, "RATE_LIMIT_CREDENTIAL", 50, 100),
      tenant: bucket(env, "RATE_LIMIT_TENANT", 200, 400),
      password: bucket(env, "RATE_LIMIT_PASSWORD", 5, 20),
      syncIntervalMs: int(env, "RATE_LIMIT_SYNC_INTERVAL_MS", 500, 50, 60_000),
      exemptServices: serviceList(env, "RATE_LIMIT_EXEMPT_SERVICES", ["grpc.health.v1.Health", "grpc.reflection.*"]),
    },
    benchStats: flag(env, "BENCH_STATS", false),
  };
  return Object.freeze(config);
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

/** `{name: value}`, or nothing when value is undefined (exactOptionalPropertyTypes-friendly). */
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
