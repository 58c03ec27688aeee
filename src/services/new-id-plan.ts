// What a keyed create gets from the idempotency step (the implementation is
// src/transport/pipeline/planned-id.ts): where it records the id it is
// about to create, before creating it, and the id an interrupted earlier run
// of the same request had recorded. With it a retry after a crash finishes
// that run: it answers the resource the dead run created, or creates it under
// the same id, never a second one.
import { createHash } from "node:crypto";

export interface NewIdPlan {
  /** The id an abandoned earlier run of this very request planned; undefined on a first run. */
  readonly plannedId: string | undefined;
  /** Records `id` as what this run creates; throws (409 031) when the run no longer holds its key. */
  plan(id: string): Promise<void>;
}

/**
 * The id of item `index` of a keyed batch whose plan recorded `seed`: a
 * retry that takes over an interrupted batch derives the same ids, so it can
 * tell the identities the dead run created from clashes. A UUID of version 8
 * (RFC 9562, custom) from SHA-256 of the seed and the index.
 */
export function plannedItemId(seed: string, index: number): string {
  const bytes = createHash("sha256").update(`${seed}/${index}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `usr_${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
