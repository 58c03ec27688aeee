// What a keyed create gets from the idempotency step (the implementation is
// src/transport/pipeline/planned-id.ts): where it records the id it is
// about to create, before creating it, and the id an interrupted earlier run
// of the same request had recorded. With it a retry after a crash finishes
// that run: it answers the resource the dead run created, or creates it under
// the same id, never a second one.
export interface NewIdPlan {
  /** The id an abandoned earlier run of this very request planned; undefined on a first run. */
  readonly plannedId: string | undefined;
  /** Records `id` as what this run creates; throws (409 031) when the run no longer holds its key. */
  plan(id: string): Promise<void>;
}
