// The one error the SDK throws: the service's AVNOLOGY_AUTH_* code, the HTTP
// status it stands for, the offending field and every violation, read from
// the google.rpc details every error of the service carries.
import { Code, ConnectError } from "@connectrpc/connect";
import { catalogue } from "../domain/errors.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

export interface AvnologyViolation {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export class AvnologyError extends Error {
  override readonly name = "AvnologyError";

  constructor(
    /** `AVNOLOGY_AUTH_*`, or `AVNOLOGY_SDK_NETWORK` when the service could not be reached. */
    readonly code: string,
    /** The HTTP status of this error on the REST API (0 for network failures). */
    readonly status: number,
    message: string,
    /** The offending field as named in the identity (`email`), when there is one. */
    readonly field: string | undefined,
    readonly violations: readonly AvnologyViolation[],
    /** The gRPC/Connect code. */
    readonly grpcCode: Code,
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

/** The REST status of a catalogued code (the service's own table), else the generic one of its gRPC code. */
function statusOf(reason: string, code: Code): number {
  const entry = (catalogue as Record<string, { http: number } | undefined>)[reason];
  return entry?.http ?? httpStatusOf[code];
}

export function toAvnologyError(err: unknown): AvnologyError {
  if (err instanceof AvnologyError) return err;
  const connectError = ConnectError.from(err);
  const [info] = connectError.findDetails(ErrorInfoSchema);
  const [badRequest] = connectError.findDetails(BadRequestSchema);
  const violations = (badRequest?.fieldViolations ?? []).map((v) => ({ field: v.field, code: v.reason, message: v.description }));
  if (!info) {
    // No ErrorInfo: the request never reached the service's handlers (network, proxy).
    const network = connectError.code === Code.Unavailable || connectError.code === Code.Unknown;
    return new AvnologyError(
      network ? "AVNOLOGY_SDK_NETWORK" : `GRPC_${Code[connectError.code]}`,
      network ? 0 : httpStatusOf[connectError.code],
      connectError.rawMessage,
      undefined,
      violations,
      connectError.code,
      { cause: err },
    );
  }
  return new AvnologyError(
    info.reason,
    statusOf(info.reason, connectError.code),
    connectError.rawMessage,
    info.metadata["field"],
    violations,
    connectError.code,
    { cause: err },
  );
}
