// The caller's password budget (RATE_LIMIT_PASSWORD_*), handed to a method
// whose items hash passwords one by one (BatchCreateIdentities). The
// rate-limit step puts it into the handler context; the handler passes it to
// its service (src/services/password-budget.ts). A single call that hashes
// draws from the same bucket in the step itself (rate-limit-step.ts).
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { PasswordBudget } from "../../services/password-budget.js";

export const passwordBudgetKey = createContextKey<PasswordBudget | undefined>(undefined, { description: "password budget" });

export function passwordBudgetOf(ctx: HandlerContext): PasswordBudget | undefined {
  return ctx.values.get(passwordBudgetKey);
}
