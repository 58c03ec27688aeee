// Raw RPC calls for tests that send bytes no generated client would: gRPC
// through grpc-js with identity serializers, gRPC-Web and Connect through
// fetch. Each answer is reduced to what the error contract promises: the
// HTTP status, the gRPC/Connect code and the AVNOLOGY code of the ErrorInfo.
import * as grpc from "@grpc/grpc-js";
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";

export interface RawAnswer {
  /** HTTP status (gRPC over h2: 200 unless the server refused the request at the HTTP level). */
  readonly status: number;
  /** gRPC status code (gRPC, gRPC-Web) or Connect code string (Connect); undefined when none was sent. */
  readonly code: number | string | undefined;
  readonly message: string;
  /** ErrorInfo.reason, e.g. AVNOLOGY_AUTH_902. */
  readonly reason: string | undefined;
}

export function envelope(message: Uint8Array, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** A grpc-js client that sends and receives raw bytes on any path. */
export function createRawGrpcClient(port: number) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    close: () => client.close(),
    call(path: string, message: Buffer, metadata: Record<string, string | Buffer> = {}): Promise<RawAnswer> {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v as string);
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          message,
          md,
          { deadline: Date.now() + 20_000 },
          (error: grpc.ServiceError | null) => {
            if (!error) return resolve({ status: 200, code: 0, message: "", reason: undefined });
            const raw = error.metadata?.get("grpc-status-details-bin")[0];
            resolve({ status: 200, code: error.code, message: error.details, reason: reasonOfStatusBytes(raw as Buffer | undefined) });
          },
        );
      });
    },
  };
}

/** gRPC-Web over HTTP/1.1 (fetch): the status comes from the trailer frame (or headers for trailers-only answers). */
export async function grpcWebCall(baseUrl: string, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...headers },
    body,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const trailer = grpcWebTrailer(bytes) ?? res.headers;
  const status = trailer.get("grpc-status");
  if (res.status !== 200 || status === null) return { status: res.status, ...jsonError(bytes) };
  return {
    status: res.status,
    code: Number(status),
    message: decodeURIComponent(trailer.get("grpc-message") ?? ""),
    reason: reasonOfStatusBytes(binaryHeader(trailer.get("grpc-status-details-bin"))),
  };
}

/** A Connect unary POST with any body and content type. */
export async function connectCall(baseUrl: string, path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const res = await fetch(baseUrl + path, { method: "POST", headers: { "content-type": "application/proto", ...headers }, body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status === 200) return { status: 200, code: undefined, message: "", reason: undefined };
  return { status: res.status, ...jsonError(bytes) };
}

/** A Connect error body {code, message, details} or a REST one {error: {code, message}}. */
export function jsonError(bytes: Uint8Array): Omit<RawAnswer, "status"> {
  try {
    const json = JSON.parse(Buffer.from(bytes).toString("utf8")) as {
      code?: string;
      message?: string;
      details?: { type: string; value: string }[];
      error?: { code?: string; message?: string };
    };
    if (json.error) return { code: undefined, message: json.error.message ?? "", reason: json.error.code };
    const info = json.details?.find((d) => d.type === "google.rpc.ErrorInfo");
    const reason = info ? fromBinary(ErrorInfoSchema, Buffer.from(info.value, "base64")).reason : undefined;
    return { code: json.code, message: json.message ?? "", reason };
  } catch {
    return { code: undefined, message: "", reason: undefined };
  }
}

function grpcWebTrailer(body: Uint8Array): Headers | undefined {
  let offset = 0;
  while (offset + 5 <= body.length) {
    const flags = body[offset]!;
    const length = Buffer.from(body.buffer, body.byteOffset + offset + 1, 4).readUInt32BE(0);
    if (flags & 0x80) {
      const text = Buffer.from(body.subarray(offset + 5, offset + 5 + length)).toString("latin1");
      const headers = new Headers();
      for (const line of text.split("\r\n")) {
        const i = line.indexOf(":");
        if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      return headers;
    }
    offset += 5 + length;
  }
  return undefined;
}

function binaryHeader(value: string | null): Buffer | undefined {
  return value === null ? undefined : Buffer.from(value, "base64");
}

function reasonOfStatusBytes(raw: Buffer | undefined): string | undefined {
  if (!raw) return undefined;
  const status = fromBinary(StatusSchema, raw);
  for (const any of status.details) {
    const info = anyUnpack(any, ErrorInfoSchema);
    if (info) return info.reason;
  }
  return undefined;
}
