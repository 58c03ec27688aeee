// BatchCreateIdentities: up to 1,000 CreateIdentity requests in one call.
// Each item goes through every check of a single create (checkCreateIdentity,
// same codes, fields and precedence) and fails on its own: the call answers
// one result per item, in order. Uniqueness is decided for the whole batch:
// a value already claimed by an earlier item of the batch is a clash of the
// later item (409 with the code a single create gives), and the rest are
// written with one unordered insertMany whose clashes the store maps back to
// their items. Clear-text passwords go through the bounded hasher: an item
// the queue refuses answers 950 on its own.
import type { Caller } from "../../auth/caller.js";
import { AppError, validationError, type Violation } from "../../domain/errors.js";
import { normalizeEmail, normalizeUsername, type Identity, type ValidIdentityFields } from "../../domain/identity.js";
import type { UniqueField } from "../../store/identity-store.js";
import { checkCreateIdentity, newIdentity, type CreateIdentityInput } from "./create-identity.js";
import type { IdentityDeps } from "./deps.js";
import { conflictError } from "./identity-errors.js";

export const maxBatchCreateItems = 1000;

export interface BatchCreateItem extends Omit<CreateIdentityInput, "validateOnly" | "newIdPlan"> {
  /** The item's own request_id / validate_only: only the batch's count, so set is a 902 on the item. */
  readonly requestId: string;
  readonly validateOnly: boolean;
}

export interface BatchCreateInput {
  readonly items: readonly BatchCreateItem[];
  readonly validateOnly: boolean;
}

/** validate_only answers the identity that would be created (no id, no timestamps). */
export type BatchCreateItemResult =
  | { readonly ok: true; readonly identity: Identity | ValidIdentityFields }
  | { readonly ok: false; readonly error: AppError };

export async function batchCreateIdentities(deps: IdentityDeps, caller: Caller, input: BatchCreateInput): Promise<BatchCreateItemResult[]> {
  if (input.items.length < 1 || input.items.length > maxBatchCreateItems) {
    throw validationError([{ field: "requests", code: "AVNOLOGY_AUTH_902", message: `must hold 1 to ${maxBatchCreateItems} requests` }]);
  }
  const results: BatchCreateItemResult[] = [];
  const checked: (ValidIdentityFields | undefined)[] = [];
  for (const item of input.items) {
    const outcome = await itemOutcome(() => checkItem(deps, caller, item));
    results.push(outcome.ok ? { ok: true, identity: outcome.value } : outcome);
    checked.push(outcome.ok ? outcome.value : undefined);
  }

  // In-batch duplicates: the later item loses, as a later single create would.
  const claimed = new Set<string>();
  for (const [index, fields] of checked.entries()) {
    if (!fields) continue;
    const clash = uniqueKeys(fields).find((k) => claimed.has(k.key));
    if (clash) {
      results[index] = { ok: false, error: conflictError(clash.field, fields) };
      checked[index] = undefined;
      continue;
    }
    for (const k of uniqueKeys(fields)) claimed.add(k.key);
  }

  if (input.validateOnly) {
    for (const [index, fields] of checked.entries()) {
      if (!fields) continue;
      const [taken] = await deps.store.findTaken(caller.tenantId, fields);
      if (taken) results[index] = { ok: false, error: conflictError(taken, fields) };
    }
    return results;
  }

  const pending = await Promise.all(
    checked.map(async (fields, index) => {
      if (!fields) return undefined;
      const item = input.items[index]!;
      const hashed = await itemOutcome(async () => (item.passwordHash ? item.passwordHash : item.initialPassword ? deps.hasher.hash(item.initialPassword) : null));
      if (!hashed.ok) {
        results[index] = hashed;
        return undefined;
      }
      return { index, fields, identity: newIdentity(deps, caller, fields, deps.newId()), passwordHash: hashed.value };
    }),
  );
  const toInsert = pending.filter((p) => p !== undefined);
  const inserted = await deps.store.insertMany(toInsert.map(({ identity, passwordHash }) => ({ identity, passwordHash })));
  for (const [i, write] of toInsert.entries()) {
    const result = inserted[i]!;
    results[write.index] = result.ok ? { ok: true, identity: write.identity } : { ok: false, error: conflictError(result.conflict, write.fields) };
  }
  return results;
}

function checkItem(deps: IdentityDeps, caller: Caller, item: BatchCreateItem): Promise<ValidIdentityFields> {
  const ownBatchFields: Violation[] = [];
  const onlyTheBatchs = "is only read on the batch request, not on its items";
  if (item.requestId !== "") ownBatchFields.push({ field: "request_id", code: "AVNOLOGY_AUTH_902", message: onlyTheBatchs });
  if (item.validateOnly) ownBatchFields.push({ field: "validate_only", code: "AVNOLOGY_AUTH_902", message: onlyTheBatchs });
  return checkCreateIdentity(deps, caller, {
    ...item,
    validateOnly: false,
    transportViolations: [...(item.transportViolations ?? []), ...ownBatchFields],
  });
}

/** A failure of one item as its result (AppErrors only: anything else fails the call). */
async function itemOutcome<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: AppError }> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err };
    throw err;
  }
}

/** The normalised unique values of an identity, in the order a single create reports them. */
function uniqueKeys(fields: ValidIdentityFields): { field: UniqueField; key: string }[] {
  const keys: { field: UniqueField; key: string }[] = [{ field: "email", key: `e:${normalizeEmail(fields.email)}` }];
  if (fields.username) keys.push({ field: "username", key: `u:${normalizeUsername(fields.username)}` });
  if (fields.externalId) keys.push({ field: "external_id", key: `x:${fields.externalId}` });
  return keys;
}
