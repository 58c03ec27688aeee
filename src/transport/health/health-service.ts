// grpc.health.v1.Health (Check, Watch, List) over the readiness state: the
// overall service "" and each of our services are SERVING while the instance
// is ready (started, database answering, not draining), NOT_SERVING otherwise.
// All services share the instance's state: they share its database.
//
// Served by the Connect router directly (Watch streams), beside the unary
// method pipeline: no credentials, no rate limits, as probes expect.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
  type HealthCheckRequest,
} from "../../../gen/grpc/health/v1/health_pb.js";
import type { Readiness, ReadinessState } from "./readiness.js";

export function createHealthService(readiness: Readiness, serviceNames: readonly string[]) {
  const known = new Set(["", ...serviceNames]);
  const statusOf = (state: ReadinessState) => (state.ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  const response = (status: ServingStatus) => create(HealthCheckResponseSchema, { status });

  const impl: ServiceImpl<typeof Health> = {
    check(request: HealthCheckRequest) {
      if (!known.has(request.service)) throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      return response(statusOf(readiness.state()));
    },
    async *watch(request: HealthCheckRequest, ctx: HandlerContext) {
      // An unknown service is not an error for Watch (the spec): it answers
      // SERVICE_UNKNOWN and keeps the stream open, as the service may appear.
      if (!known.has(request.service)) {
        yield response(ServingStatus.SERVICE_UNKNOWN);
        await aborted(ctx.signal);
        return;
      }
      let last = statusOf(readiness.state());
      yield response(last);
      const changes = queueOfChanges(readiness, ctx.signal);
      for await (const state of changes) {
        const status = statusOf(state);
        if (status === last) continue;
        last = status;
        yield response(status);
      }
    },
    list() {
      const status = statusOf(readiness.state());
      return { statuses: Object.fromEntries([...known].map((name) => [name, response(status)])) };
    },
  };
  return { service: Health, impl };
}

/** Readiness changes until `signal` aborts (the client went away or the server stops). */
async function* queueOfChanges(readiness: Readiness, signal: AbortSignal): AsyncGenerator<ReadinessState> {
  const pending: ReadinessState[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = readiness.onChange((state) => {
    pending.push(state);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    while (!signal.aborted) {
      const next = pending.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
