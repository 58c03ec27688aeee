// How every SDK method runs one logical call: its request is built once by
// the caller (so one idempotency key serves every retry), then attempted
// under the retry policy with the call's AbortSignal and timeout, and any
// failure becomes an AvnologyError.
import type { CallOptions as ConnectCallOptions } from "@connectrpc/connect";
import { withRetries, type CallOptions, type RetryPolicy } from "./retry.js";

export type Invoke = <T>(call: (connect: ConnectCallOptions) => Promise<T>, options?: CallOptions) => Promise<T>;

export function createInvoke(policy: RetryPolicy): Invoke {
  return (call, options = {}) =>
    withRetries(
      ({ signal, timeoutMs }) => call({ ...(signal && { signal }), ...(timeoutMs !== undefined && { timeoutMs }) }),
      options,
      policy,
    );
}

/** Pages of a list call as one async iteration: the next page is fetched when the previous one is used up. */
export async function* paginate<P extends { nextPageToken: string }, T>(
  fetchPage: (pageToken: string) => Promise<P>,
  itemsOf: (page: P) => readonly T[],
): AsyncGenerator<T, void, undefined> {
  let pageToken = "";
  do {
    const page = await fetchPage(pageToken);
    yield* itemsOf(page);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
}
