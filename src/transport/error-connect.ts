// Renders an AppError for gRPC, gRPC-Web and Connect: the catalogue's code,
// a google.rpc.ErrorInfo (reason = AVNOLOGY code, domain id.avnology.net),
// a google.rpc.BadRequest for validation errors and a google.rpc.RetryInfo
// when a retry may succeed, plus a google.rpc.QuotaFailure for rate limits.
// The AppError rides along as `cause` (never sent) so that the REST
// transcoder can render the same error in its own shape.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  QuotaFailureSchema,
  RetryInfoSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import { AppError, errorDomain } from "../domain/errors.js";
import { Status } from "../domain/status.js";

/** The catalogue's transport-neutral status as connect's Code (exhaustive: a new status fails to compile here). */
const connectCodes: Record<Status, Code> = {
  [Status.Cancelled]: Code.Canceled,
  [Status.Unknown]: Code.Unknown,
  [Status.InvalidArgument]: Code.InvalidArgument,
  [Status.DeadlineExceeded]: Code.DeadlineExceeded,
  [Status.NotFound]: Code.NotFound,
  [Status.AlreadyExists]: Code.AlreadyExists,
  [Status.PermissionDenied]: Code.PermissionDenied,
  [Status.ResourceExhausted]: Code.ResourceExhausted,
  [Status.FailedPrecondition]: Code.FailedPrecondition,
  [Status.Aborted]: Code.Aborted,
  [Status.OutOfRange]: Code.OutOfRange,
  [Status.Unimplemented]: Code.Unimplemented,
  [Status.Internal]: Code.Internal,
  [Status.Unavailable]: Code.Unavailable,
  [Status.DataLoss]: Code.DataLoss,
  [Status.Unauthenticated]: Code.Unauthenticated,
};

export function connectCodeOf(status: Status): Code {
  return connectCodes[status];
}

export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const appError = err instanceof AppError ? err : new AppError("AVNOLOGY_AUTH_999", {}, undefined, { cause: err });
  const { details } = appError;
  const metadata: Record<string, string> = { ...details.metadata };
  if (details.field !== undefined) metadata["field"] = details.field;
  if (details.value !== undefined) metadata["value"] = details.value;

  const outgoing: ConstructorParameters<typeof ConnectError>[3] = [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: appError.code, domain: errorDomain, metadata }) },
  ];
  if (details.violations && details.violations.length > 0) {
    outgoing.push({
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: details.violations.map((v) => ({ field: v.field, description: v.message, reason: v.code })),
      }),
    });
  }
  if (details.quotaViolations && details.quotaViolations.length > 0) {
    outgoing.push({
      desc: QuotaFailureSchema,
      value: create(QuotaFailureSchema, {
        violations: details.quotaViolations.map((v) => ({ subject: v.subject, description: v.description })),
      }),
    });
  }
  if (details.retryAfterSeconds !== undefined) {
    outgoing.push({
      desc: RetryInfoSchema,
      value: create(RetryInfoSchema, { retryDelay: durationFromMs(details.retryAfterSeconds * 1000) }),
    });
  }
  return new ConnectError(appError.message, connectCodeOf(appError.entry.grpc), errorHeaders(appError), outgoing, appError);
}

/** The HTTP headers that go with an error on every transport (WWW-Authenticate, Retry-After, RateLimit...). */
export function errorHeaders(appError: AppError): Headers {
  const headers = new Headers(appError.details.headers);
  if (appError.details.retryAfterSeconds !== undefined) headers.set("retry-after", String(appError.details.retryAfterSeconds));
  return headers;
}

/** The AppError behind an error thrown by a service method, for the REST renderer. */
export function appErrorOf(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ConnectError && err.cause instanceof AppError) return err.cause;
  if (err instanceof ConnectError && err.code === Code.InvalidArgument) {
    return new AppError("AVNOLOGY_AUTH_902", {}, err.rawMessage, { cause: err });
  }
  return new AppError("AVNOLOGY_AUTH_999", {}, undefined, { cause: err });
}
