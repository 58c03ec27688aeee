// page_size / page_token of List requests (AIP-158) → a store page request.
import { AppError } from "../domain/errors.js";
import type { PageRequest } from "../store/paging.js";

const defaultPageSize = 50;
const maxPageSize = 100;

export function pageRequest(pageSize: number, pageToken: string): PageRequest {
  if (pageSize < 0) {
    throw new AppError("AVNOLOGY_AUTH_902", {
      field: "page_size",
      violations: [{ field: "page_size", code: "AVNOLOGY_AUTH_902", message: "must not be negative" }],
    });
  }
  // AIP-158: 0 means the default, and a size above the maximum is coerced down.
  return { pageSize: pageSize === 0 ? defaultPageSize : Math.min(pageSize, maxPageSize), after: pageToken };
}
