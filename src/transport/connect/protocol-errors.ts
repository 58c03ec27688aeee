// Failures connect-es answers by itself, before any interceptor or our method
// pipeline runs: undecodable messages (it raises "parse binary: premature
// EOF" as INTERNAL, HTTP 500), broken envelopes, unsupported compression,
// oversized bodies, unsupported content types (a bare 415). They are the
// caller's fault, so the connect adapter re-renders them as the catalogue's
// errors (902, 903, 904, 906) with their ErrorInfo, in the protocol the
// caller spoke. An interceptor marks the calls that reached the pipeline:
// whatever failed without that mark failed in connect-es's decoding.
import { Code, ConnectError, createContextKey, type Interceptor } from "@connectrpc/connect";
import { encodeEnvelope, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeFromString, codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { DescMessage } from "@bufbuild/protobuf";
import { AppError } from "../../domain/errors.js";
import { toConnectError } from "../error-connect.js";
import { encodeGrpcMessage } from "./grpc-message.js";

export type RpcProtocol = "grpc" | "grpc-web" | "connect";

export function rpcProtocolOf(contentType: string | null): RpcProtocol {
  const type = (contentType ?? "").toLowerCase();
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** Set to true by markPipelineReached; a fresh box is put into every request's context values. */
export const pipelineReached = createContextKey<{ reached: boolean }>({ reached: false });

export const markPipelineReached: Interceptor = (next) => (req) => {
  req.contextValues.get(pipelineReached).reached = true;
  return next(req);
};

interface Failure {
  readonly code: Code;
  readonly message: string;
}

/**
 * What connect-es answered (code and message) for a call that never reached
 * the pipeline (undefined: it succeeded), and the response to send if it is
 * kept (its body had to be read).
 */
export async function failureOf(
  protocol: RpcProtocol,
  res: UniversalServerResponse,
): Promise<{ failure: Failure | undefined; response: UniversalServerResponse }> {
  if (protocol === "grpc" && res.status === 200) return { failure: trailerFailure(res.trailer), response: res };
  const body = res.body === undefined ? undefined : await readAll(res.body as AsyncIterable<Uint8Array>);
  const response = body === undefined ? res : { ...res, body: once(body) };
  if (res.status !== 200) {
    return { failure: { code: connectCodeOf(body) ?? httpStatusCode(res.status), message: messageOf(body) }, response };
  }
  if (protocol === "grpc-web" && body !== undefined) {
    // A trailer frame it compressed (long messages, when the client accepts
    // gzip) is not worth decompressing: any failure here is a decoding one.
    let trailer: Headers | undefined;
    try {
      trailer = gRpcWebTrailer(body);
    } catch {
      trailer = undefined;
    }
    return { failure: trailerFailure(trailer) ?? { code: Code.InvalidArgument, message: "" }, response };
  }
  return { failure: undefined, response };
}

/** The catalogue error for a failure of connect-es's own decoding. */
export function decodingError(failure: Failure, input: DescMessage): AppError {
  if (failure.code === Code.ResourceExhausted) return new AppError("AVNOLOGY_AUTH_904");
  const m = failure.message;
  const description = m.startsWith("parse binary")
    ? `is not a valid binary ${input.typeName} message`
    : m.startsWith("protocol error: missing input")
      ? "holds no request message"
      : m.startsWith("protocol error: received extra input")
        ? "holds more than one request message"
        : m.startsWith("protocol error")
          ? `is not a valid message envelope (${m.slice("protocol error: ".length)})`
          : m.startsWith("unknown compression") || m.startsWith("decompression failed")
            ? "uses a compression that is not accepted or does not decompress"
            : // JSON decoding messages may quote the body (a password): never echoed.
              `is not a valid ${input.typeName} message`;
  return new AppError("AVNOLOGY_AUTH_902", {
    field: "body",
    violations: [{ field: "body", code: "AVNOLOGY_AUTH_902", message: description }],
  });
}

/** connect-es's bare 415 / 405 (no body) as the catalogue's 903 / 906. */
export function bareStatusError(status: number): AppError | undefined {
  if (status === 415) {
    return new AppError(
      "AVNOLOGY_AUTH_903",
      {},
      "Content-Type must be application/proto or application/json (Connect), application/grpc or application/grpc-web",
    );
  }
  if (status === 405) return new AppError("AVNOLOGY_AUTH_906");
  return undefined;
}

/** Renders an error the way the caller's protocol carries it. `httpStatus` overrides Connect's code → status mapping. */
export function renderRpcError(
  protocol: RpcProtocol,
  contentType: string | null,
  appError: AppError,
  httpStatus?: number,
): UniversalServerResponse {
  const error = toConnectError(appError);
  const header = new Headers();
  error.metadata.forEach((value, key) => header.set(key, value));
  if (protocol === "connect" || httpStatus !== undefined) {
    header.set("content-type", "application/json");
    return { status: httpStatus ?? codeToHttpStatus(error.code), header, body: once(errorToJsonBytes(error, {})) };
  }
  const trailer = setTrailerStatus(new Headers(), error);
  trailer.set("grpc-message", encodeGrpcMessage(error.rawMessage));
  header.set("content-type", contentType ?? `application/${protocol}+proto`);
  if (protocol === "grpc") return { status: 200, header, trailer };
  return { status: 200, header, body: once(encodeEnvelope(trailerFlag, trailerSerialize(trailer))) };
}

function trailerFailure(trailer: Headers | undefined): Failure | undefined {
  const status = trailer?.get("grpc-status");
  if (status === undefined || status === null || status === "0") return undefined;
  const code = Number(status) as Code;
  let message = trailer?.get("grpc-message") ?? "";
  try {
    message = decodeURIComponent(message);
  } catch {
    // left encoded
  }
  return { code: code in Code ? code : Code.Unknown, message };
}

function gRpcWebTrailer(body: Uint8Array): Headers | undefined {
  let offset = 0;
  while (offset + 5 <= body.length) {
    const flags = body[offset]!;
    const length = new DataView(body.buffer, body.byteOffset + offset + 1, 4).getUint32(0);
    const data = body.subarray(offset + 5, offset + 5 + length);
    if ((flags & trailerFlag) === trailerFlag) return flags & 0x01 ? undefined : trailerParse(data);
    offset += 5 + length;
  }
  return undefined;
}

function connectCodeOf(body: Uint8Array | undefined): Code | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { code?: unknown };
    return typeof parsed.code === "string" ? codeFromString(parsed.code) : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(body: Uint8Array | undefined): string {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message : "";
  } catch {
    return "";
  }
}

function httpStatusCode(status: number): Code {
  return status === 413 || status === 429 ? Code.ResourceExhausted : Code.InvalidArgument;
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
