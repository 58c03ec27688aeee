// BatchCreateIdentities: up to 1,000 CreateIdentity requests in one call.
// Each item goes through every check of a single create (checkCreateIdentity,
// same codes, fields and precedence) and fails on its own: the call answers
// one result per item, in order. Uniqueness is decided for the whole batch:
// a value already claimed by an earlier item of the batch is a clash of the
// later item (409 with the code a single create gives), and the rest are
// written with one unordered insertMany whose clashes the store maps back to
// their items.
//
// Clear-text passwords cost what single creates would: each item that will
// hash draws one token from the caller's password budget, in item order, and
// an item the budget refuses answers 021 with its retry hint (the others go
// on); then the hash goes through the bounded hasher, whose refusal is a 950
// on that item. A batch hands the hasher a few items at a time
// (hashesInFlightPerBatch), not all of them: its items wait their turn in
// the batch instead of overflowing the hasher's shared queue (a thousand
// 950s), and single calls keep their places in that queue. Imported hashes
// (password_hash) cost neither.
//
// A keyed batch records one seed id before it writes and derives every
// item's id from it (plannedItemId): a retry that takes over a batch whose
// run died answers the identities that run created as its own.
import PQueue from "p-queue";
import type { Caller } from "../../auth/caller.js";
import { AppError, validationError, type Violation } from "../../domain/errors.js";
import { normalizeEmail, normalizeUsername, type Identity, type ValidIdentityFields } from "../../domain/identity.js";
import type { UniqueField } from "../../store/identity-store.js";
import { plannedItemId, type NewIdPlan } from "../new-id-plan.js";
import type { PasswordBudget } from "../password-budget.js";
import { checkCreateIdentity, newIdentity, type CreateIdentityInput } from "./create-identity.js";
import type { IdentityDeps, OrganizationLookup } from "./deps.js";
import { conflictError } from "./identity-errors.js";

export const maxBatchCreateItems = 1000;

/** Clear-text items of one batch at the hasher at once: above its default concurrency (2), far below its queue (64). */
export const hashesInFlightPerBatch = 4;

export interface BatchCreateItem extends Omit<CreateIdentityInput, "validateOnly" | "newIdPlan"> {
  /** The item's own request_id / validate_only: only the batch's count, so set is a 902 on the item. */
  readonly requestId: string;
  readonly validateOnly: boolean;
}

export interface BatchCreateInput {
  readonly items: readonly BatchCreateItem[];
  readonly validateOnly: boolean;
  /** The caller's password budget; none when rate limits do not apply. */
  readonly passwordBudget?: PasswordBudget | undefined;
  /** Present for a batch with an idempotency key (src/services/new-id-plan.ts). */
  readonly newIdPlan?: NewIdPlan | undefined;
}

/** validate_only answers the identity that would be created (no id, no timestamps). */
export type BatchCreateItemResult =
  | { readonly ok: true; readonly identity: Identity | ValidIdentityFields }
  | { readonly ok: false; readonly error: AppError };

interface Write {
  readonly index: number;
  readonly fields: ValidIdentityFields;
  readonly identity: Identity;
  readonly passwordHash: string | null;
}

export async function batchCreateIdentities(deps: IdentityDeps, caller: Caller, input: BatchCreateInput): Promise<BatchCreateItemResult[]> {
  if (input.items.length < 1 || input.items.length > maxBatchCreateItems) {
    throw validationError([{ field: "requests", code: "AVNOLOGY_AUTH_902", message: `must hold 1 to ${maxBatchCreateItems} requests` }]);
  }
  // Items are checked concurrently; an organization named by many items is read once.
  const itemDeps: IdentityDeps = { ...deps, organizations: onceEachOrganization(deps.organizations) };
  const outcomes = await Promise.all(input.items.map((item) => itemOutcome(() => checkItem(itemDeps, caller, item))));
  const results: BatchCreateItemResult[] = outcomes.map((o) => (o.ok ? { ok: true, identity: o.value } : o));
  const checked = outcomes.map((o) => (o.ok ? o.value : undefined));
  dropInBatchDuplicates(checked, results);

  if (input.validateOnly) {
    await Promise.all(
      checked.map(async (fields, index) => {
        if (!fields) return;
        const [taken] = await deps.store.findTaken(caller.tenantId, fields);
        if (taken) results[index] = { ok: false, error: conflictError(taken, fields) };
      }),
    );
    return results;
  }

  const idOf = await itemIds(deps, input.newIdPlan);
  const tookOver = input.newIdPlan?.plannedId !== undefined;
  if (tookOver) await answerCreatedByDeadRun(deps, caller, checked, results, idOf);
  chargePasswordBudget(input, checked, results);

  const hashing = new PQueue({ concurrency: hashesInFlightPerBatch });
  const hashOf = (item: BatchCreateItem): Promise<string | null> => {
    const password = clearTextPassword(item);
    if (password) return hashing.add(() => deps.hasher.hash(password));
    return Promise.resolve(item.passwordHash || null);
  };
  const pending = await Promise.all(
    checked.map(async (fields, index): Promise<Write | undefined> => {
      if (!fields) return undefined;
      const item = input.items[index]!;
      const hashed = await itemOutcome(() => hashOf(item));
      if (!hashed.ok) {
        results[index] = hashed;
        return undefined;
      }
      return { index, fields, identity: newIdentity(deps, caller, fields, idOf(index)), passwordHash: hashed.value };
    }),
  );
  const writes = pending.filter((p) => p !== undefined);
  const inserted = await deps.store.insertMany(writes.map(({ identity, passwordHash }) => ({ identity, passwordHash })));
  await Promise.all(
    writes.map(async (write, i) => {
      const result = inserted[i]!;
      if (result.ok) {
        results[write.index] = { ok: true, identity: write.identity };
        return;
      }
      // Taking over, the dead run may still be alive and have written this
      // planned id meanwhile: then it is ours. (A first run's seed is known
      // to no one else, so its clashes are real: no read for them.)
      const created = tookOver ? await deps.store.findById(caller.tenantId, write.identity.id) : null;
      results[write.index] = created ? { ok: true, identity: created } : { ok: false, error: conflictError(result.conflict, write.fields) };
    }),
  );
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

/** In-batch duplicates: the later item loses, as a later single create would. */
function dropInBatchDuplicates(checked: (ValidIdentityFields | undefined)[], results: BatchCreateItemResult[]): void {
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
}

/** Item ids: fresh ones, or (keyed) derived from a seed recorded before anything is written. */
async function itemIds(deps: IdentityDeps, plan: NewIdPlan | undefined): Promise<(index: number) => string> {
  if (!plan) return () => deps.newId();
  const seed = plan.plannedId ?? deps.newId();
  if (plan.plannedId === undefined) await plan.plan(seed);
  return (index) => plannedItemId(seed, index);
}

/** A takeover: items whose planned identity exists were created by the dead run; they are this call's. */
async function answerCreatedByDeadRun(
  deps: IdentityDeps,
  caller: Caller,
  checked: (ValidIdentityFields | undefined)[],
  results: BatchCreateItemResult[],
  idOf: (index: number) => string,
): Promise<void> {
  await Promise.all(
    checked.map(async (fields, index) => {
      if (!fields) return;
      const created = await deps.store.findById(caller.tenantId, idOf(index));
      if (!created) return;
      results[index] = { ok: true, identity: created };
      checked[index] = undefined;
    }),
  );
}

/** One token per item that will hash a clear-text password, in item order; refused items answer 021. */
function chargePasswordBudget(input: BatchCreateInput, checked: (ValidIdentityFields | undefined)[], results: BatchCreateItemResult[]): void {
  if (!input.passwordBudget) return;
  for (const [index, fields] of checked.entries()) {
    if (!fields || !clearTextPassword(input.items[index]!)) continue;
    const decision = input.passwordBudget.take();
    if (decision.allowed) continue;
    results[index] = {
      ok: false,
      error: new AppError("AVNOLOGY_AUTH_021", { retryAfterSeconds: decision.retryAfterSeconds, metadata: { policy: "password" } }),
    };
    checked[index] = undefined;
  }
}

/** The password the item's create will hash: initial_password, unless it imports a hash. */
function clearTextPassword(item: BatchCreateItem): string {
  return item.passwordHash ? "" : item.initialPassword;
}

/** An OrganizationLookup that asks once per organization id (a batch's items often share one). */
function onceEachOrganization(organizations: OrganizationLookup): OrganizationLookup {
  const seen = new Map<string, Promise<boolean>>();
  return {
    exists(tenantId, organizationId) {
      const key = JSON.stringify([tenantId, organizationId]);
      let answer = seen.get(key);
      if (!answer) {
        answer = organizations.exists(tenantId, organizationId);
        seen.set(key, answer);
      }
      return answer;
    },
  };
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
