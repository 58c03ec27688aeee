// The caller resolved for the current request, stored in the handler context
// by the method pipeline (src/transport/method-pipeline.ts).
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../auth/caller.js";

export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "caller" });

export function callerOf(ctx: HandlerContext): Caller {
  const caller = ctx.values.get(callerKey);
  // The pipeline always authenticates before a handler runs; reaching this
  // without a caller is a wiring bug, not a client error.
  if (!caller) throw new Error("no caller in context: method pipeline not applied");
  return caller;
}
