// The largest request body a method accepts: MAX_BODY_BYTES, and for a batch
// method (AIP-233's `Batch*` naming: BatchCreateIdentities)
// MAX_BATCH_BODY_BYTES, since up to 1,000 items ride in one body. Applied
// alike on REST (rest-handler.ts) and on gRPC, gRPC-Web and Connect
// (connect-handler.ts).
import type { DescMethod } from "@bufbuild/protobuf";

export interface BodyLimits {
  readonly maxBodyBytes: number;
  /** Defaults to maxBodyBytes. */
  readonly maxBatchBodyBytes?: number;
}

export function bodyLimitOf(method: DescMethod, limits: BodyLimits): number {
  return method.name.startsWith("Batch") ? (limits.maxBatchBodyBytes ?? limits.maxBodyBytes) : limits.maxBodyBytes;
}
