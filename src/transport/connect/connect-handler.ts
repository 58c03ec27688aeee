// Serves gRPC, gRPC-Web and Connect for the registered services; anything
// else goes to `fallback` (the REST transcoder). This is connect-node's
// connectNodeAdapter plus one thing it cannot do: a Connect unary request in
// JSON is parsed and shape-checked here, so that malformed JSON, unknown
// fields and wrong types answer with the catalogue's 902 and its ErrorInfo /
// BadRequest details like every other error, instead of connect-es's bare
// invalid_argument. The checked JSON is handed on as the parsed body.
import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { JsonValue } from "@bufbuild/protobuf";
import { AppError } from "../../domain/errors.js";
import { toConnectError } from "../error-connect.js";
import { readJsonBody, type NodeRequest } from "../http-body.js";
import type { ServiceRegistration } from "../method-pipeline.js";
import { jsonShapeViolations } from "../contract/json-shape.js";
import type { NodeHandler } from "../server.js";

export interface ConnectHandlerOptions {
  readonly maxBodyBytes: number;
  readonly fallback: NodeHandler;
}

export function createConnectHandler(registrations: readonly ServiceRegistration[], options: ConnectHandlerOptions): NodeHandler {
  const router = createConnectRouter({
    readMaxBytes: options.maxBodyBytes,
    jsonOptions: { ignoreUnknownFields: false },
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  for (const r of registrations) router.service(r.service, r.impl as never);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));

  return (req, res) => {
    const handler = handlers.get((req.url ?? "").split("?", 1)[0] ?? "");
    if (!handler) return options.fallback(req, res);
    void (async () => {
      let parsed: JsonValue | undefined;
      if (isConnectUnaryJson(req)) {
        try {
          parsed = ((await readJsonBody(req, options.maxBodyBytes)) ?? {}) as JsonValue;
          const violations = jsonShapeViolations(handler.method.input, parsed);
          if (violations.length > 0) {
            throw new AppError("AVNOLOGY_AUTH_902", { field: violations[0]!.field, violations });
          }
        } catch (err) {
          return sendConnectError(res, toConnectError(err));
        }
      }
      const uReq = universalRequestFromNodeRequest(req, res as never, parsed, undefined);
      const uRes = await handler(uReq);
      await universalResponseToNodeResponse(uRes, res as never);
    })().catch((reason: unknown) => {
      if (ConnectError.from(reason).code !== Code.Aborted) res.destroy(reason instanceof Error ? reason : undefined);
    });
  };
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
