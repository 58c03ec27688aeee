// The kind of a failure, transport-neutral: the gRPC status codes by their
// spec numbers (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
// The catalogue (errors.ts) names one per error; each transport maps it to
// its own type (src/transport/error-connect.ts for connect's Code) and the
// catalogue's HTTP status is kept beside it. The numbers are the wire values
// every gRPC implementation shares, so logs and tests can compare them.
export const Status = {
  Cancelled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

export type StatusName = keyof typeof Status;
export type Status = (typeof Status)[StatusName];
