// What a batch create gets from the rate-limit step (the implementation is
// src/transport/pipeline/password-budget.ts): the caller's password budget,
// drawn from once per item that hashes a clear-text password, so a batch of
// 1,000 clear-text items costs what 1,000 single creates would. A call
// without a rate-limit step (limits off, exempt service) has no budget.
export type PasswordBudgetDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface PasswordBudget {
  /** Takes one token from the caller's password bucket, or says when one will be there. */
  take(): PasswordBudgetDecision;
}
