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
  /** Browser origins allowed to call (CORS_ORIGINS, comma-separated; `*` = any; empty = none). */
  readonly corsOrigins: readonly string[];
  /**
   * TEMPORARY, until API keys and tokens exist (issue 4): when true, calls
   * without credentials are let through as an all-scopes caller of one fixed
   * development tenant. Off unless INSECURE_DEV_ALLOW_UNAUTHENTICATED=1.
   */
  readonly insecureDevAllowUnauthenticated: boolean;
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
    corsOrigins: list(env, "CORS_ORIGINS"),
    insecureDevAllowUnauthenticated: flag(env, "INSECURE_DEV_ALLOW_UNAUTHENTICATED"),
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

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new Error(`${name} must be 1/true or 0/false, got ${JSON.stringify(raw)}`);
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
