// What an operator's tooling calls, in front of the API on the same port:
// GET /healthz (liveness), GET /readyz (readiness, JSON reason), GET /metrics
// (Prometheus, when a metrics source is given), and the streaming gRPC
// services grpc.health.v1.Health and grpc.reflection.v1/v1alpha, which a
// Connect router serves directly rather than through the unary method
// pipeline: none of them needs credentials or counts against rate limits.
// Everything else goes to `next` (the API).
import { createConnectRouter } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import type { ServerResponse } from "node:http";
import { createReflectionServices } from "../reflection/reflection-service.js";
import type { NodeHandler } from "../server.js";
import { Health } from "../../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createHealthService } from "./health-service.js";
import type { Readiness } from "./readiness.js";

/** The services this handler serves itself (for metrics and logs naming RPCs). */
export const operationServices: readonly DescService[] = [Health, ServerReflectionV1, ServerReflectionV1Alpha];

export interface OperationsHandlerOptions {
  readonly readiness: Readiness;
  /** The API's services: listed by reflection, reported by health. */
  readonly services: readonly DescService[];
  /** Prometheus text exposition; unset: no /metrics here. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> };
  /** Aborted when the server stops accepting: ends open Watch streams. */
  readonly shutdownSignal?: AbortSignal;
  readonly next: NodeHandler;
}

export function createOperationsHandler(options: OperationsHandlerOptions): NodeHandler {
  const { readiness } = options;
  const router = createConnectRouter(options.shutdownSignal ? { shutdownSignal: options.shutdownSignal } : {});
  const health = createHealthService(readiness, options.services.map((s) => s.typeName));
  router.service(health.service, health.impl);
  for (const r of createReflectionServices([...options.services, health.service])) router.service(r.service, r.impl as never);
  const rpcs = new Map(router.handlers.map((h) => [h.requestPath, h]));

  return (req, res) => {
    const path = (req.url ?? "").split("?", 1)[0] ?? "";
    const rpc = rpcs.get(path);
    if (rpc !== undefined) {
      void (async () => {
        const uRes = await rpc(universalRequestFromNodeRequest(req, res as never, undefined, undefined));
        await universalResponseToNodeResponse(uRes, res as never);
      })().catch(() => res.destroy());
      return;
    }
    const isGet = req.method === "GET" || req.method === "HEAD";
    if (isGet && path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (isGet && path === "/readyz") {
      void readiness.check().then(
        (state) => sendJson(res, state.ready ? 200 : 503, { status: state.ready ? "ready" : "not_ready", ...state }),
        () => sendJson(res, 503, { status: "not_ready", reason: "check_failed" }),
      );
      return;
    }
    if (isGet && path === "/metrics" && options.metrics) {
      const { metrics } = options;
      void metrics.render().then(
        (text) => send(res, 200, metrics.contentType, text),
        () => send(res, 500, "text/plain", "metrics unavailable\n"),
      );
      return;
    }
    options.next(req, res);
  };
}

export function sendJson(res: Parameters<NodeHandler>[1], status: number, body: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

function send(res: Parameters<NodeHandler>[1], status: number, contentType: string, body: string): void {
  const out = res as ServerResponse;
  out.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  out.end(body);
}
