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
  readonly passwordMaxLength: number;
  /**
   * TEMPORARY, until API keys and tokens exist (issue 4): when true, calls
   * without credentials are let through as an all-scopes caller of one fixed
   * development tenant. Off unless INSECURE_DEV_ALLOW_UNAUTHENTICATED=1.
   */
  readonly insecureDevAllowUnauthenticated: boolean;
  readonly idempotency: {
    /** How long a finished outcome is replayed (ms). */
    readonly retentionMs: number;
    /** How long an in-progress record blocks its key before it may be taken over (ms). */
    readonly inProgressLeaseMs: number;
    /** How often expired records are deleted (ms). */
    readonly cleanupIntervalMs: number;
  };
  readonly rateLimits: RateLimitConfig;
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
    passwordMaxLength: int(env, "PASSWORD_MAX_LENGTH", 256, 64, 4096),
    insecureDevAllowUnauthenticated: flag(env, "INSECURE_DEV_ALLOW_UNAUTHENTICATED"),
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
      exemptServices: list(env, "RATE_LIMIT_EXEMPT_SERVICES", ["grpc.health.v1.Health", "grpc.reflection.*"]),
    },
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

function list(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!/^[A-Za-z_][\w.]*\*?$/.test(item)) throw new Error(`${name}: ${JSON.stringify(item)} is not a service name or prefix*`);
  }
  return Object.freeze(items);
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new Error(`${name} must be 1/true or 0/false, got ${JSON.stringify(raw)}`);
}
