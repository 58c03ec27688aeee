// Breached-password check: the offline list first (no network, catches the
// common ones), then optionally a HIBP-compatible k-anonymity range API
// (https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange): only the
// first 5 hex digits of the password's SHA-1 leave the process, and the match
// against the returned suffixes happens here.
import { hash as oneShotHash } from "node:crypto";
import { AppError } from "../domain/errors.js";
import type { BreachedList } from "./breached-list.js";

export interface BreachCheckerOptions {
  readonly list: BreachedList;
  /** Base URL of the range API (e.g. "https://api.pwnedpasswords.com"); unset = offline only. */
  readonly rangeApiUrl?: string;
  /**
   * What a network failure, timeout or non-2xx answer means. true: treat the
   * password as not breached (availability over strictness; the offline list
   * still applied). false: reject the request with AVNOLOGY_AUTH_950 (503).
   */
  readonly failOpen: boolean;
  readonly fetchImpl?: typeof fetch;
  /** Whole request budget (connect + headers + body). */
  readonly timeoutMs: number;
  /** Retry-After for the fail-closed 950; default 5 s. */
  readonly retryAfterSeconds?: number;
  /** Told about every range API failure (for logs/metrics), whether failing open or closed. */
  readonly onRangeApiError?: (err: unknown) => void;
}

export interface BreachChecker {
  isBreached(password: string): Promise<boolean>;
}

export function createBreachChecker(options: BreachCheckerOptions): BreachChecker {
  const { list, failOpen, timeoutMs } = options;
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const base = options.rangeApiUrl?.replace(/\/+$/, "");
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;

  async function fetchRange(prefix: string): Promise<string> {
    const res = await fetchImpl(`${base}/range/${prefix}`, {
      // Padding makes every answer ~800-1000 lines so its size does not reveal
      // the prefix's popularity; padded lines carry a count of 0.
      headers: { "Add-Padding": "true" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`breach range API answered HTTP ${res.status}`);
    }
    return await res.text();
  }

  return {
    async isBreached(password: string): Promise<boolean> {
      if (list.has(password)) return true;
      if (base === undefined) return false;

      const digest = oneShotHash("sha1", password, "hex").toUpperCase();
      const prefix = digest.slice(0, 5);
      const suffix = digest.slice(5);
      let body: string;
      try {
        body = await fetchRange(prefix);
      } catch (err) {
        options.onRangeApiError?.(err);
        if (failOpen) return false;
        throw new AppError("AVNOLOGY_AUTH_950", { retryAfterSeconds }, undefined, { cause: err });
      }
      return rangeContains(body, suffix);
    },
  };
}

/**
 * Scans "SUFFIX:COUNT" lines (CRLF or LF, hex in any case). A count of 0 is a
 * padding line, not a hit; a line without a count is taken as a hit.
 */
export function rangeContains(body: string, suffix: string): boolean {
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    const colon = line.indexOf(":");
    const lineSuffix = colon === -1 ? line : line.slice(0, colon);
    if (lineSuffix.toUpperCase() !== suffix) continue;
    if (colon === -1) return true;
    return Number(line.slice(colon + 1)) > 0;
  }
  return false;
}
