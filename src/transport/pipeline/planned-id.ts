// The id a create will give its new resource, recorded in the idempotency
// record before the resource is written. The idempotency step puts a NewIdPlan
// into the handler context of a keyed call; a create handler passes it to its
// service, which (1) on a retry that took over an abandoned run
// (`plannedId` set) reads the resource by that id and answers it if the dead
// run created it, or creates it under that same id, and (2) otherwise plans
// its freshly made id before writing. Without a key there is no plan.
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { NewIdPlan } from "../../services/new-id-plan.js";

export const newIdPlanKey = createContextKey<NewIdPlan | undefined>(undefined, { description: "idempotency new-id plan" });

export function newIdPlanOf(ctx: HandlerContext): NewIdPlan | undefined {
  return ctx.values.get(newIdPlanKey);
}
