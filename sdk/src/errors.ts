// The one error the SDK throws: the service's AVNOLOGY_AUTH_* code, the HTTP
// status it stands for, the offending field, every violation and when to
// retry, read from the google.rpc details every error of the service carries.
import { Code, ConnectError } from "@connectrpc/connect";
import { httpStatusOfCode } from "./error-statuses.js";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "./gen/google/rpc/error_details_pb.js";

export interface AvnologyViolation {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export class AvnologyError extends Error {
  override readonly name = "AvnologyError";

  constructor(
    /**
     * `AVNOLOGY_AUTH_*`; `AVNOLOGY_SDK_NETWORK` when the service could not be
     * reached, `AVNOLOGY_SDK_TIMEOUT` when the call's timeout passed,
     * `AVNOLOGY_SDK_ABORTED` when its AbortSignal fired.
     */
    readonly code: string,
    /** The HTTP status of this error on the REST API (0 when no answer came). */
    readonly status: number,
    message: string,
    /** The offending field as named in the identity (`email`), when there is one. */
    readonly field: string | undefined,
    readonly violations: readonly AvnologyViolation[],
    /** The gRPC/Connect code. */
    readonly grpcCode: Code,
    /** Seconds the service asked to wait before a retry (RetryInfo / Retry-After), when it did. */
    readonly retryAfter: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// The usual HTTP status of each gRPC code, for errors outside the catalogue.
const httpStatusOf: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

function retryAfterOf(err: ConnectError): number | undefined {
  const [info] = err.findDetails(RetryInfoSchema);
  if (info?.retryDelay) return Number(info.retryDelay.seconds) + info.retryDelay.nanos / 1e9;
  const header = err.metadata.get("retry-after");
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export function toAvnologyError(err: unknown): AvnologyError {
  if (err instanceof AvnologyError) return err;
  const connectError = ConnectError.from(err);
  const [info] = connectError.findDetails(ErrorInfoSchema);
  const [badRequest] = connectError.findDetails(BadRequestSchema);
  const violations = (badRequest?.fieldViolations ?? []).map((v) => ({ field: v.field, code: v.reason, message: v.description }));
  const retryAfter = retryAfterOf(connectError);
  if (!info) {
    // No ErrorInfo: the request never reached the service's handlers (network, proxy, timeout, abort).
    const local =
      connectError.code === Code.DeadlineExceeded ? "AVNOLOGY_SDK_TIMEOUT"
      : connectError.code === Code.Canceled ? "AVNOLOGY_SDK_ABORTED"
      : connectError.code === Code.Unavailable || connectError.code === Code.Unknown ? "AVNOLOGY_SDK_NETWORK"
      : undefined;
    return new AvnologyError(
      local ?? `GRPC_${Code[connectError.code]}`,
      local ? 0 : httpStatusOf[connectError.code],
      connectError.rawMessage,
      undefined,
      violations,
      connectError.code,
      retryAfter,
      { cause: err },
    );
  }
  return new AvnologyError(
    info.reason,
    httpStatusOfCode(info.reason) ?? httpStatusOf[connectError.code],
    connectError.rawMessage,
    info.metadata["field"],
    violations,
    connectError.code,
    retryAfter,
    { cause: err },
  );
}
