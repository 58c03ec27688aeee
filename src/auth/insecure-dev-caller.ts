// TEMPORARY (removed when API keys and tokens land, issue 4): resolves every
// request to one all-scopes caller of a fixed development tenant when
// INSECURE_DEV_ALLOW_UNAUTHENTICATED=1, and answers 401 otherwise.
import { AppError } from "../domain/errors.js";
import { scopes, type Caller } from "./caller.js";
import { wwwAuthenticate } from "./credentials.js";

export const insecureDevCaller: Caller = Object.freeze({
  kind: "api_key",
  subject: "insecure-dev",
  tenantId: "ten_insecure_dev",
  scopes: new Set(scopes),
});

export function createInsecureDevCallerResolver(enabled: boolean) {
  return {
    async resolve(): Promise<Caller> {
      if (enabled) return insecureDevCaller;
      throw new AppError("AVNOLOGY_AUTH_001", { headers: { "www-authenticate": wwwAuthenticate() } });
    },
  };
}
