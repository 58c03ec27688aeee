// A failure of one item of a batch as an ItemError message: the inner shape
// of the REST error body (render.ts renderError), so a batch item's error
// reads like the error a single call would have answered.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ItemErrorSchema } from "../../../gen/avnology/identity/v1/identity_service_pb.js";
import type { AppError } from "../../domain/errors.js";

export function itemErrorMessage(err: AppError): MessageInitShape<typeof ItemErrorSchema> {
  const { details } = err;
  return {
    code: err.code,
    message: err.message,
    status: err.entry.http,
    details: {
      field: details.field,
      value: details.value,
      violations: (details.violations ?? []).map((v) => ({ field: v.field, code: v.code, message: v.message })),
      retryAfterSeconds: details.retryAfterSeconds,
    },
  };
}
