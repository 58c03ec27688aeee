// The identity use cases, bound to their dependencies. One module per use
// case (create-identity.ts, get-identity.ts, ...); this file only wires them.
import { randomUUID } from "node:crypto";
import type { Caller } from "../../auth/caller.js";
import type { Identity } from "../../domain/identity.js";
import { createIdentity, type CreateIdentityInput, type CreateIdentityResult } from "./create-identity.js";
import type { IdentityDeps } from "./deps.js";
import { getIdentity } from "./get-identity.js";

export type { CreateIdentityInput, CreateIdentityResult } from "./create-identity.js";
export type { IdentityDeps } from "./deps.js";

export interface IdentityService {
  create(caller: Caller, input: CreateIdentityInput): Promise<CreateIdentityResult>;
  get(caller: Caller, id: string): Promise<Identity>;
}

export function createIdentityService(
  deps: Omit<IdentityDeps, "now" | "newId"> & Partial<Pick<IdentityDeps, "now" | "newId">>,
): IdentityService {
  const full: IdentityDeps = {
    now: () => new Date(),
    newId: () => `usr_${randomUUID()}`,
    ...deps,
  };
  return {
    create: (caller, input) => createIdentity(full, caller, input),
    get: (caller, id) => getIdentity(full, caller, id),
  };
}
