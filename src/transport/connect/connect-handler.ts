// Serves gRPC, gRPC-Web and Connect for the registered services; anything
// else goes to `fallback` (the REST transcoder). This is connect-node's
// connectNodeAdapter plus one thing it cannot do: a Connect unary request in
// JSON is parsed and shape-checked here, so that malformed JSON, unknown
// fields and wrong types answer with the catalogue's 902 and its ErrorInfo /
// BadRequest details like every other error, instead of connect-es's bare
// invalid_argument. The checked JSON is handed on as the parsed body.
// What connect-es refuses by itself before our pipeline runs (undecodable
// messages, broken envelopes, bare 415/405) is re-rendered as the
// catalogue's errors (protocol-errors.ts); grpc-message trailers are
// re-encoded to the gRPC spec's form (grpc-message.ts); header lists over
// maxHeaderBytes answer 907 (HTTP/2 lets them through for that, see
// connection-guard.ts).
import { Code, ConnectError, createConnectRouter, createContextValues } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { JsonValue } from "@bufbuild/protobuf";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { Logger } from "pino";
import { AppError } from "../../domain/errors.js";
import { toConnectError } from "../error-connect.js";
import { readJsonBody, type NodeRequest } from "../http-body.js";
import type { ServiceRegistration } from "../method-pipeline.js";
import { headerListSize } from "../connection-limits.js";
import { renderError } from "../rest/render.js";
import { jsonShapeViolations } from "../contract/json-shape.js";
import type { NodeHandler } from "../server.js";
import { withSpecGrpcMessage } from "./grpc-message.js";
import {
  bareStatusError,
  decodingError,
  failureOf,
  markPipelineReached,
  pipelineReached,
  renderRpcError,
  rpcProtocolOf,
} from "./protocol-errors.js";
import { bodyLimitOf } from "../body-limits.js";

export interface ConnectHandlerOptions {
  readonly maxBodyBytes: number;
  /** The body limit of batch methods (body-limits.ts); defaults to maxBodyBytes. */
  readonly maxBatchBodyBytes?: number;
  readonly fallback: NodeHandler;
  /** Request header lists larger than this (HPACK-accounted) answer 431 / RESOURCE_EXHAUSTED. */
  readonly maxHeaderBytes?: number;
  /** Where refused undecodable requests are logged (warn); omitted: not logged. */
  readonly logger?: Logger;
}

export function createConnectHandler(registrations: readonly ServiceRegistration[], options: ConnectHandlerOptions): NodeHandler {
  const router = createConnectRouter({
    readMaxBytes: options.maxBodyBytes,
    jsonOptions: { ignoreUnknownFields: false },
    acceptCompression: [compressionGzip, compressionBrotli],
    interceptors: [markPipelineReached],
  });
  // One method at a time: a batch method reads a larger body than the others.
  for (const r of registrations) {
    const impl = r.impl as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of r.service.methods) {
      const fn = impl[method.localName];
      if (fn) router.rpc(method, fn.bind(impl) as never, { readMaxBytes: bodyLimitOf(method, options) });
    }
  }
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));

  return (req, res) => {
    const handler = handlers.get((req.url ?? "").split("?", 1)[0] ?? "");
    if (options.maxHeaderBytes !== undefined && headerListSize(req.headers) > options.maxHeaderBytes) {
      logRefusal(options.logger, handler ? rpcName(handler) : req.url ?? "", new AppError("AVNOLOGY_AUTH_907"));
      return void answerHeadersTooLarge(req, res, handler !== undefined).catch(() => res.destroy());
    }
    if (!handler) return options.fallback(req, res);
    void (async () => {
      let parsed: JsonValue | undefined;
      if (isConnectUnaryJson(req)) {
        try {
          parsed = ((await readJsonBody(req, bodyLimitOf(handler.method, options))) ?? {}) as JsonValue;
          const violations = jsonShapeViolations(handler.method.input, parsed);
          if (violations.length > 0) {
            throw new AppError("AVNOLOGY_AUTH_902", { field: violations[0]!.field, violations });
          }
        } catch (err) {
          if (err instanceof AppError) logRefusal(options.logger, rpcName(handler), err);
          return sendConnectError(res, toConnectError(err));
        }
      }
      const contextValues = createContextValues().set(pipelineReached, { reached: false });
      if (req.headers.host === undefined && !("authority" in req)) req.headers.host = "localhost"; // HTTP/1.0
      const uReq = universalRequestFromNodeRequest(req, res as never, parsed, contextValues);
      const uRes = await answerDecodingFailures(handler, uReq, options.logger);
      await universalResponseToNodeResponse(withSpecGrpcMessage(uRes), res as never);
    })().catch((reason: unknown) => {
      if (ConnectError.from(reason).code !== Code.Aborted) res.destroy(reason instanceof Error ? reason : undefined);
    });
  };
}

/** Runs connect-es's handler; what it refused before our pipeline ran is re-rendered as the catalogue's error. */
async function answerDecodingFailures(
  handler: UniversalHandler,
  req: UniversalServerRequest,
  logger: Logger | undefined,
): Promise<UniversalServerResponse> {
  const res = await handler(req);
  if (req.contextValues?.get(pipelineReached).reached) return res;
  const contentType = req.header.get("content-type");
  const protocol = rpcProtocolOf(contentType);
  const bare = res.body === undefined && res.trailer === undefined ? bareStatusError(res.status) : undefined;
  let appError = bare;
  if (appError === undefined) {
    const { failure, response } = await failureOf(protocol, res);
    // No failure cannot happen for unary methods (only the pipeline answers
    // OK); the caller's own deadline or cancellation is theirs to see as such.
    if (failure === undefined || failure.code === Code.DeadlineExceeded || failure.code === Code.Canceled) return response;
    appError = decodingError(failure, handler.method.input);
  }
  logRefusal(logger, rpcName(handler), appError);
  return renderRpcError(protocol, contentType, appError, bare ? res.status : undefined);
}

/** Refusals at the adapter are the caller's fault: warnings, by code only (like the pipeline's). */
function logRefusal(logger: Logger | undefined, rpc: string, appError: AppError): void {
  logger?.warn({ rpc, code: appError.code, status: appError.entry.http, field: appError.details.field }, "request rejected");
}

function rpcName(handler: UniversalHandler): string {
  return `${handler.service.typeName}/${handler.method.name}`;
}

/** 431 (HTTP) / RESOURCE_EXHAUSTED (RPC) with AVNOLOGY_AUTH_907, before any work on the request. */
async function answerHeadersTooLarge(req: NodeRequest, res: Parameters<NodeHandler>[1], isRpc: boolean): Promise<void> {
  const appError = new AppError("AVNOLOGY_AUTH_907");
  const contentType = (req.headers["content-type"] as string | undefined) ?? null;
  const protocol = rpcProtocolOf(contentType);
  if (isRpc && protocol !== "connect") {
    await universalResponseToNodeResponse(renderRpcError(protocol, contentType, appError), res as never);
    return;
  }
  const body = isRpc ? Buffer.from(errorToJsonBytes(toConnectError(appError), {})) : Buffer.from(JSON.stringify(renderError(appError)));
  const node = res as import("node:http").ServerResponse;
  node.writeHead(431, { "content-type": "application/json" });
  node.end(body);
}

/** Connect protocol, unary, JSON, uncompressed POST (GET requests carry their message in the URL). */
function isConnectUnaryJson(req: NodeRequest): boolean {
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  return req.method === "POST" && /^application\/json\s*(;|$)/.test(type) && !req.headers["content-encoding"];
}

function sendConnectError(res: Parameters<NodeHandler>[1], error: ConnectError): void {
  const headers: Record<string, string> = { "content-type": "application/json" };
  error.metadata.forEach((value, key) => {
    headers[key] = value;
  });
  const body = errorToJsonBytes(error, {});
  (res as import("node:http").ServerResponse).writeHead(codeToHttpStatus(error.code), headers);
  (res as import("node:http").ServerResponse).end(Buffer.from(body));
}
