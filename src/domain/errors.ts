// The error catalogue: every failure the service can answer, with its stable
// AVNOLOGY_AUTH_* code, one gRPC code, one HTTP status and a default message.
// Transports render an AppError from this table and nothing else
// (src/transport/error-*.ts); docs/errors.md is kept in sync by a test.
import { Status } from "./status.js";

export interface CatalogueEntry {
  /** The gRPC status, transport-neutral; the transport maps it to its own type. */
  readonly grpc: Status;
  readonly http: number;
  readonly message: string;
}

export const catalogue = {
  // Validation failed (invalid email, phone format, unknown field, ...).
  AVNOLOGY_AUTH_902: { grpc: Status.InvalidArgument, http: 400, message: "Validation failed" },
  // The request body is not JSON (wrong Content-Type).
  AVNOLOGY_AUTH_903: { grpc: Status.InvalidArgument, http: 415, message: "Content-Type must be application/json" },
  // The request body is larger than the limit.
  AVNOLOGY_AUTH_904: { grpc: Status.ResourceExhausted, http: 413, message: "Request body is too large" },
  // No route matches the path (REST).
  AVNOLOGY_AUTH_905: { grpc: Status.NotFound, http: 404, message: "No such route" },
  // The route exists but not for this HTTP method (REST).
  AVNOLOGY_AUTH_906: { grpc: Status.Unimplemented, http: 405, message: "Method not allowed" },
  // The request's headers (metadata) are larger than MAX_HEADER_BYTES.
  AVNOLOGY_AUTH_907: { grpc: Status.ResourceExhausted, http: 431, message: "Request headers are too large" },
  AVNOLOGY_AUTH_011: { grpc: Status.InvalidArgument, http: 400, message: "Password does not meet policy requirements" },
  AVNOLOGY_AUTH_010: { grpc: Status.InvalidArgument, http: 400, message: "Password found in breach database" },
  AVNOLOGY_AUTH_014: { grpc: Status.AlreadyExists, http: 409, message: "A user with this email already exists" },
  AVNOLOGY_AUTH_015: { grpc: Status.AlreadyExists, http: 409, message: "A user with this username already exists" },
  AVNOLOGY_AUTH_016: { grpc: Status.AlreadyExists, http: 409, message: "A user with this external_id already exists" },
  // Missing, malformed, unknown, revoked or expired credentials.
  AVNOLOGY_AUTH_001: { grpc: Status.Unauthenticated, http: 401, message: "Authentication required" },
  AVNOLOGY_AUTH_100: { grpc: Status.PermissionDenied, http: 403, message: "Insufficient permissions" },
  AVNOLOGY_AUTH_101: {
    grpc: Status.FailedPrecondition,
    http: 400,
    message: "Bootstrap key cannot manage users. Create an admin key first.",
  },
  AVNOLOGY_AUTH_021: { grpc: Status.ResourceExhausted, http: 429, message: "Rate limit exceeded" },
  // Too many failed authentication attempts from one client address.
  AVNOLOGY_AUTH_022: { grpc: Status.ResourceExhausted, http: 429, message: "Too many failed authentication attempts" },
  AVNOLOGY_AUTH_040: { grpc: Status.NotFound, http: 404, message: "Identity not found" },
  AVNOLOGY_AUTH_041: { grpc: Status.NotFound, http: 404, message: "Organization not found" },
  AVNOLOGY_AUTH_042: { grpc: Status.AlreadyExists, http: 409, message: "An organization with this id already exists" },
  AVNOLOGY_AUTH_043: { grpc: Status.NotFound, http: 404, message: "API key not found" },
  // Idempotency-Key reused with a different request.
  AVNOLOGY_AUTH_030: {
    grpc: Status.FailedPrecondition,
    http: 422,
    message: "Idempotency-Key was already used with a different request",
  },
  // Idempotency-Key reused while the first request is still running.
  AVNOLOGY_AUTH_031: {
    grpc: Status.Aborted,
    http: 409,
    message: "A request with this Idempotency-Key is still in progress",
  },
  // Stale etag / If-Match (optimistic concurrency).
  AVNOLOGY_AUTH_050: { grpc: Status.Aborted, http: 412, message: "The identity was modified by someone else (etag mismatch)" },
  // Overloaded (e.g. the password hashing queue is full); retry later.
  AVNOLOGY_AUTH_950: { grpc: Status.Unavailable, http: 503, message: "Service temporarily overloaded, retry later" },
  // The database did not answer within DATABASE_TIMEOUT_MS (down, unreachable
  // or not connected yet); retry later. Not the caller's fault: never a 401.
  AVNOLOGY_AUTH_951: { grpc: Status.Unavailable, http: 503, message: "Database unavailable" },
  AVNOLOGY_AUTH_999: { grpc: Status.Internal, http: 500, message: "Internal error" },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof catalogue;

/** ErrorInfo.domain of every error this service answers. */
export const errorDomain = "id.avnology.net";

/** One failed rule. `field` is a path relative to the request (`identity.email`). */
export interface Violation {
  readonly field: string;
  /** The AVNOLOGY code this violation belongs to (902, 011, 010, ...). */
  readonly code: ErrorCode;
  readonly message: string;
}

export interface ErrorDetails {
  /** The offending field, relative to the resource (`email`, `phone`). */
  readonly field?: string;
  /** The offending value, echoed for the client; never a secret. */
  readonly value?: string;
  /** Every violation found, for validation errors. */
  readonly violations?: readonly Violation[];
  /** Seconds after which a retry may succeed (429, 503). */
  readonly retryAfterSeconds?: number;
  /** Extra string metadata for ErrorInfo.metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Which quotas were exhausted (429): rendered as google.rpc.QuotaFailure. */
  readonly quotaViolations?: readonly { readonly subject: string; readonly description: string }[];
  /** Response headers that go with the error (e.g. WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * AppError is the one error type domain and service code throws. `cause` is
 * for logs only and never reaches a client.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly entry: CatalogueEntry;

  constructor(
    readonly code: ErrorCode,
    readonly details: ErrorDetails = {},
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? catalogue[code].message, options);
    this.entry = catalogue[code];
  }
}

/** Builds the 902 (or 011/010) error for a list of violations, following the precedence rules. */
export function validationError(violations: readonly Violation[], value?: string): AppError {
  const first = violations[0];
  if (first === undefined) throw new Error("validationError needs at least one violation");
  return new AppError(first.code, {
    field: resourceField(first.field),
    ...(value === undefined ? {} : { value }),
    violations,
  });
}

/** Request fields that wrap the resource itself (AIP-133/134 bodies). */
const resourceWrappers = ["identity.", "organization.", "api_key."];

/**
 * `identity.email` → `email`, `identity.traits["$x"]` → `traits`,
 * `scopes[0]` → `scopes`: REST details name the top-level field as in the
 * resource; the full request-relative path stays in the violations.
 */
export function resourceField(path: string): string {
  const wrapper = resourceWrappers.find((w) => path.startsWith(w));
  const relative = wrapper ? path.slice(wrapper.length) : path;
  return relative.split(/[.[]/, 1)[0] ?? relative;
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
