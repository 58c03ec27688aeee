// The REST transcoder: HTTP+JSON requests matched against the google.api.http
// routes, bound into protobuf requests, and served by the same wrapped
// implementations as gRPC and Connect. Installed as the Connect adapter's
// fallback, so anything that is not an RPC path lands here, and anything that
// matches no route answers a JSON 404.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { create, type Message } from "@bufbuild/protobuf";
import { createContextValues, createHandlerContext } from "@connectrpc/connect";
import { AppError } from "../../domain/errors.js";
import { asksPartialView, isValidateOnly } from "../contract/request-fields.js";
import { appErrorOf, errorHeaders } from "../error-connect.js";
import { readJsonBody } from "../http-body.js";
import type { ServiceRegistration } from "../method-pipeline.js";
import { bindRequest } from "./request-binding.js";
import { renderError, renderMessage } from "./render.js";
import { parseRequestTarget, echoedPath } from "./request-target.js";
import { matchRoute, routesFromServices, type RestRoute, type RouteMatch } from "./routes.js";
import { bodyLimitOf } from "../body-limits.js";

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;

const notFound: RouteMatch = { kind: "not_found" };

export interface RestHandlerOptions {
  readonly maxBodyBytes: number;
  /** The body limit of batch methods (body-limits.ts); defaults to maxBodyBytes. */
  readonly maxBatchBodyBytes?: number;
}

export function createRestHandler(registrations: readonly ServiceRegistration[], options: RestHandlerOptions) {
  const routes = routesFromServices(registrations.map((r) => r.service));
  const implOf = new Map(registrations.map((r) => [r.service.typeName, r.impl]));

  return async function handleRest(req: NodeRequest, res: NodeResponse): Promise<void> {
    const rawTarget = req.url ?? "";
    let responseHeader = new Headers();
    try {
      // Only the canonical spelling of a path is a route (request-target.ts).
      const target = parseRequestTarget(rawTarget);
      const match = target ? matchRoute(routes, (req.method ?? "GET").toUpperCase(), target.path) : notFound;
      if (!target || match.kind === "not_found") throw new AppError("AVNOLOGY_AUTH_905", { value: echoedPath(rawTarget) });
      if (match.kind === "method_not_allowed") {
        responseHeader.set("allow", match.allowed.join(", "));
        throw new AppError("AVNOLOGY_AUTH_906", { value: req.method ?? "" });
      }
      const { route, pathParams } = match;
      const body = route.body === "" ? undefined : await readJsonBody(req, bodyLimitOf(route.method, options));
      const request = bindRequest({ route, pathParams, query: target.query, body });
      const ctx = createHandlerContext({
        service: route.service,
        method: route.method,
        protocolName: "rest",
        requestMethod: req.method ?? "GET",
        url: new URL(rawTarget, "http://localhost").toString(),
        requestHeader: headersOf(req),
        responseHeader,
        contextValues: createContextValues(),
      });
      // The context holds its own copy: headers set by the pipeline (rate
      // limits, Idempotent-Replayed) go out with errors too.
      responseHeader = ctx.responseHeader;
      const impl = implOf.get(route.service.typeName)?.[route.method.localName];
      if (!impl) throw new Error(`no implementation for ${route.method.name}`);
      const output = (await impl(request as never, ctx)) as Message;
      // AIP-163: a validate_only create creates nothing, so it answers 200, not 201.
      const status = route.successStatus === 201 && isValidateOnly(route.method.input, request) ? 200 : route.successStatus;
      const partial = asksPartialView(route.method.input, request);
      send(res, status, ctx.responseHeader, status === 204 ? undefined : renderOutput(route, output, partial));
    } catch (err) {
      const appError = appErrorOf(err);
      errorHeaders(appError).forEach((value, name) => responseHeader.set(name, value));
      send(res, appError.entry.http, responseHeader, renderError(appError));
    }
  };
}

function renderOutput(route: RestRoute, output: Message, partialView: boolean) {
  // Implementations may return init shapes; normalise to a full message first.
  return renderMessage(route.method.output, create(route.method.output, output as never), { partialView });
}

function send(res: NodeResponse, status: number, headers: Headers, body: unknown): void {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  if (payload !== undefined) out["content-type"] = "application/json; charset=utf-8";
  (res as ServerResponse).writeHead(status, out);
  (res as ServerResponse).end(payload);
}

function headersOf(req: NodeRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}
