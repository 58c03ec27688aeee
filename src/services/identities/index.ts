// The identity use cases, bound to their dependencies. One module per use
// case (create-identity.ts, get-identity.ts, ...); this file only wires them.
import { randomUUID } from "node:crypto";
import type { Caller } from "../../auth/caller.js";
import type { Identity } from "../../domain/identity.js";
import { createDecoyHash } from "../../passwords/hasher.js";
import { defaultImportedHashCaps } from "../../passwords/imported-hash.js";
import { batchCreateIdentities, type BatchCreateInput, type BatchCreateItemResult } from "./batch-create-identities.js";
import { createIdentity, type CreateIdentityInput, type CreateIdentityResult } from "./create-identity.js";
import { deleteIdentity, type DeleteIdentityInput } from "./delete-identity.js";
import type { IdentityDeps } from "./deps.js";
import { getIdentity } from "./get-identity.js";
import { listIdentities, type IdentityPage, type ListIdentitiesInput } from "./list-identities.js";
import { setPassword } from "./set-password.js";
import { updateIdentity, type UpdateIdentityInput } from "./update-identity.js";
import { verifyPassword, type VerifyPasswordInput, type VerifyPasswordResult } from "./verify-password.js";

export type { BatchCreateInput, BatchCreateItem, BatchCreateItemResult } from "./batch-create-identities.js";
export type { CreateIdentityInput, CreateIdentityResult } from "./create-identity.js";
export type { DeleteIdentityInput } from "./delete-identity.js";
export type { IdentityDeps } from "./deps.js";
export type { IdentityPage, ListIdentitiesInput } from "./list-identities.js";
export type { UpdateIdentityInput } from "./update-identity.js";
export type { VerifyPasswordInput, VerifyPasswordResult } from "./verify-password.js";

export interface IdentityUseCases {
  create(caller: Caller, input: CreateIdentityInput): Promise<CreateIdentityResult>;
  /** One result per item, in order; throws only when the whole call is refused. */
  batchCreate(caller: Caller, input: BatchCreateInput): Promise<BatchCreateItemResult[]>;
  get(caller: Caller, id: string): Promise<Identity>;
  update(caller: Caller, input: UpdateIdentityInput): Promise<Identity>;
  list(caller: Caller, input: ListIdentitiesInput): Promise<IdentityPage>;
  delete(caller: Caller, input: DeleteIdentityInput): Promise<void>;
  /** Answers the identity after the change (for its new etag and updated_at); never the hash. */
  setPassword(caller: Caller, id: string, password: string): Promise<Identity>;
  verifyPassword(caller: Caller, input: VerifyPasswordInput): Promise<VerifyPasswordResult>;
}

export function createIdentityService(
  deps: Omit<IdentityDeps, "now" | "newId" | "decoyHash" | "importedHashCaps"> &
    Partial<Pick<IdentityDeps, "now" | "newId" | "decoyHash" | "importedHashCaps">>,
): IdentityUseCases {
  const full: IdentityDeps = {
    now: () => new Date(),
    newId: () => `usr_${randomUUID()}`,
    decoyHash: createDecoyHash(deps.hasher),
    importedHashCaps: defaultImportedHashCaps,
    ...deps,
  };
  // Make the decoy hash now, so the first unknown-identity VerifyPassword is
  // not slower (one extra hash) than the others. A failure here is retried on use.
  void full.decoyHash().catch(() => undefined);
  return {
    create: (caller, input) => createIdentity(full, caller, input),
    batchCreate: (caller, input) => batchCreateIdentities(full, caller, input),
    get: (caller, id) => getIdentity(full, caller, id),
    update: (caller, input) => updateIdentity(full, caller, input),
    list: (caller, input) => listIdentities(full, caller, input),
    delete: (caller, input) => deleteIdentity(full, caller, input),
    setPassword: (caller, id, password) => setPassword(full, caller, id, password),
    verifyPassword: (caller, input) => verifyPassword(full, caller, input),
  };
}
