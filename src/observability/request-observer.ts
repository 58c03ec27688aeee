// One place that sees every request on every transport, from the first byte
// to the last: it gives the request its id, counts it in the metrics and
// writes its one log line. It wraps the whole NodeHandler, so requests that
// fail before the method pipeline (unknown routes, REST binding, Connect JSON
// shape errors, undecodable gRPC messages) are counted and logged like the
// rest.
//
// The method pipeline adds what only it knows (the caller, the AVNOLOGY code
// of a failure and its cause) through `facts`, found by an internal header the
// observer sets on the request (clients' copies are overwritten), because a
// Connect handler context does not expose the Node request.
//
// Log lines carry no request or response bodies and no headers but the ones
// named here: passwords, key secrets, Authorization, hashes, traits and
// metadata never reach them.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Caller } from "../auth/caller.js";
import { catalogue, type AppError, type ErrorCode } from "../domain/errors.js";
import type { NodeHandler } from "../transport/server.js";
import type { Metrics } from "./metrics.js";

export type Protocol = "grpc" | "grpc_web" | "connect" | "rest";

export interface RouteOf {
  /** The RPC a request is for, or undefined (unknown route: "unmatched"). */
  (httpMethod: string, path: string, protocol: Protocol): { service: string; method: string } | undefined;
}

/** What the method pipeline reports about a request (see method-pipeline.ts). */
export interface RequestFacts {
  caller(headers: Headers, caller: Caller): void;
  failed(headers: Headers, error: AppError, cause: unknown): void;
}

export interface RequestObserverOptions {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly routeOf: RouteOf;
  /** The client's address (socket peer, or X-Forwarded-For behind TRUSTED_PROXIES). */
  readonly clientAddress: (req: Parameters<NodeHandler>[0]) => string;
  /** Where the address is handed to the pipeline (overwrites a client's copy). */
  readonly clientAddressHeader: string;
  /** Runs each request within its caller's deadline (see request-deadline.ts). */
  readonly deadlines?: { run<T>(headers: Record<string, string | string[] | undefined>, fn: () => T): T };
  /** Paths of probes and scrapes: logged at debug level, not info. */
  readonly quietPaths?: readonly string[];
}

export const requestIdHeader = "x-request-id";
const factsKeyHeader = "x-avnology-request-key";
// A sane id: what load balancers and tracing tools send (UUIDs, hex, base64url), bounded.
const saneRequestId = /^[A-Za-z0-9._:/+=-]{1,128}$/;

interface Annotations {
  caller?: Caller;
  error?: AppError;
  cause?: unknown;
}

export function createRequestObserver(options: RequestObserverOptions) {
  const { logger, metrics } = options;
  const quiet = new Set(options.quietPaths ?? []);
  const records = new Map<string, Annotations>();
  let sequence = 0;

  const facts: RequestFacts = {
    caller(headers, caller) {
      const record = records.get(headers.get(factsKeyHeader) ?? "");
      if (record) record.caller = caller;
    },
    failed(headers, error, cause) {
      const record = records.get(headers.get(factsKeyHeader) ?? "");
      if (record) Object.assign(record, { error, cause });
    },
  };

  function wrap(next: NodeHandler): NodeHandler {
    return (req, res) => {
      const started = performance.now();
      const given = req.headers[requestIdHeader];
      const requestId = typeof given === "string" && saneRequestId.test(given) ? given : randomUUID();
      const key = String(++sequence);
      const record: Annotations = {};
      records.set(key, record);
      req.headers[requestIdHeader] = requestId;
      req.headers[factsKeyHeader] = key;
      const clientAddress = options.clientAddress(req);
      req.headers[options.clientAddressHeader] = clientAddress;
      // On every answer: response header for HTTP, response metadata for gRPC.
      res.setHeader(requestIdHeader, requestId);

      const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
      const protocol = protocolOf(req.headers["content-type"], path, req.headers["connect-protocol-version"]);
      const route = options.routeOf(req.method ?? "GET", path, protocol);
      const service = route?.service ?? "";
      const method = route?.method ?? "unmatched";

      // gRPC answers in trailers; remember the status sent there.
      let grpcStatus: string | undefined;
      const addTrailers = res.addTrailers.bind(res) as (headers: NodeJS.Dict<string | string[]>) => void;
      (res as { addTrailers: typeof addTrailers }).addTrailers = (headers) => {
        const status = headers["grpc-status"];
        if (typeof status === "string") grpcStatus = status;
        addTrailers(headers);
      };

      let done = false;
      const finish = (completed: boolean) => {
        if (done) return;
        done = true;
        records.delete(key);
        const seconds = (performance.now() - started) / 1000;
        const headerStatus = res.getHeader("grpc-status");
        const grpc = grpcStatus ?? (typeof headerStatus === "string" ? headerStatus : undefined);
        // A probe's 503 is its answer ("not ready"), not a catalogue error.
        const probe = quiet.has(path);
        const code = !completed ? "CANCELLED" : probe && res.statusCode >= 400 ? `HTTP_${res.statusCode}` : outcomeOf(record.error, protocol, res.statusCode, grpc);
        metrics?.rpcRequests.inc({ service, method, protocol, code });
        metrics?.rpcDuration.observe({ service, method, protocol }, seconds);
        if (code === "AVNOLOGY_AUTH_021") metrics?.rateLimitRefusals.inc({ service, method });
        if (res.getHeader("idempotent-replayed") === "true") metrics?.idempotencyReplays.inc({ service, method });

        // gRPC answers HTTP 200 whatever happened: report the status the code stands for.
        const status = record.error?.entry.http ?? (code in catalogue ? catalogue[code as ErrorCode].http : res.statusCode);
        const entry = {
          request_id: requestId,
          rpc: route ? `${service}/${method}` : "unmatched",
          ...(route ? {} : { http_method: req.method, path: boundedPath(path) }),
          protocol,
          status,
          code,
          ...(grpc === undefined ? {} : { grpc_status: Number(grpc) }),
          ms: Math.round(seconds * 10_000) / 10,
          ...(record.caller ? { tenant: record.caller.tenantId, subject: record.caller.subject } : {}),
          client_address: clientAddress,
        };
        if (probe) {
          logger.debug(entry, "request");
        } else if (status >= 500) {
          logger.error({ ...entry, err: record.cause ?? record.error }, "request failed");
        } else if (status >= 400 || !completed) {
          logger.warn({ ...entry, ...(record.error?.details.field ? { field: record.error.details.field } : {}) }, "request rejected");
        } else {
          logger.info(entry, "request");
        }
      };
      res.once("finish", () => finish(true));
      res.once("close", () => finish(res.writableFinished));
      if (options.deadlines) options.deadlines.run(req.headers, () => next(req, res));
      else next(req, res);
    };
  }

  return { wrap, facts };
}

function protocolOf(contentType: string | string[] | undefined, path: string, connectVersion: unknown): Protocol {
  const type = (Array.isArray(contentType) ? contentType[0] : contentType)?.toLowerCase() ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc_web";
  if (type.startsWith("application/grpc")) return "grpc";
  // Connect: POST /pkg.Service/Method (or GET with ?message=), no /v1/ REST prefix.
  if (connectVersion !== undefined || /^\/[A-Za-z_][\w.]*\.[A-Za-z_]\w*\/[A-Za-z_]\w*$/.test(path)) return "connect";
  return "rest";
}

/** OK, or the AVNOLOGY code: from the pipeline when it ran, else read off the answer. */
function outcomeOf(error: AppError | undefined, protocol: Protocol, httpStatus: number, grpcStatus: string | undefined): string {
  if (error) return error.code;
  if (protocol === "grpc" || protocol === "grpc_web") {
    if (grpcStatus === undefined || grpcStatus === "0") return httpStatus < 400 ? "OK" : codeForHttp(httpStatus);
    return codeForGrpc(Number(grpcStatus));
  }
  return httpStatus < 400 ? "OK" : codeForHttp(httpStatus);
}

// Answers that never went through the pipeline (routing, binding, decoding)
// are the transport-level codes; the catalogue lists them first (902-906).
const codes = Object.entries(catalogue) as [ErrorCode, (typeof catalogue)[ErrorCode]][];
const transportFirst = [...codes.filter(([c]) => c.startsWith("AVNOLOGY_AUTH_9")), ...codes];
function codeForHttp(status: number): string {
  return transportFirst.find(([, e]) => e.http === status)?.[0] ?? `HTTP_${status}`;
}
function codeForGrpc(code: number): string {
  return transportFirst.find(([, e]) => e.grpc === code)?.[0] ?? `GRPC_${code}`;
}

/** An unknown path is logged (bounded), never used as a metric label. */
function boundedPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
