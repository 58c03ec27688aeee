// A @grpc/grpc-js client for any protobuf-es service, the way an internal
// Go/Java/Node gRPC caller would reach us, plus decoding of the
// grpc-status-details-bin trailer into google.rpc.Status details.
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape, type MessageInitShape, create } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import { BadRequestSchema, ErrorInfoSchema, QuotaFailureSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

export interface GrpcCallResult<O> {
  readonly response?: O;
  readonly error?: grpc.ServiceError;
  readonly metadata: grpc.Metadata;
}

export function createGrpcClient(service: DescService, port: number) {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m) => Buffer.from(toBinary(method.input, m as never)),
      requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
      responseSerialize: (m) => Buffer.from(toBinary(method.output, m as never)),
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, service.name);
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  return {
    close: () => client.close(),
    /** Calls a unary method; resolves with the response or the error (never rejects). */
    call<I extends DescMessage, O extends DescMessage>(
      methodName: string,
      input: I,
      _output: O,
      request: MessageInitShape<I>,
      metadata: Record<string, string> = {},
    ): Promise<GrpcCallResult<MessageShape<O>>> {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise((resolve) => {
        let headers = new grpc.Metadata();
        const call = (client as unknown as Record<string, Function>)[methodName]!.call(
          client,
          create(input, request),
          md,
          (error: grpc.ServiceError | null, response: MessageShape<O>) =>
            resolve(error ? { error, metadata: error.metadata } : { response, metadata: headers }),
        );
        call.on("metadata", (m: grpc.Metadata) => (headers = m));
      });
    },
  };
}

/** Decodes grpc-status-details-bin into the ErrorInfo / BadRequest / RetryInfo / QuotaFailure it carries. */
export function grpcErrorDetails(error: grpc.ServiceError) {
  const raw = error.metadata.get("grpc-status-details-bin")[0];
  if (!raw) return { errorInfo: undefined, badRequest: undefined, retryInfo: undefined, quotaFailure: undefined };
  const status = fromBinary(StatusSchema, raw as Buffer);
  const unpack = <D extends DescMessage>(schema: D) => {
    for (const any of status.details) {
      const message = anyUnpack(any, schema);
      if (message) return message as MessageShape<D>;
    }
    return undefined;
  };
  return {
    status,
    errorInfo: unpack(ErrorInfoSchema),
    badRequest: unpack(BadRequestSchema),
    retryInfo: unpack(RetryInfoSchema),
    quotaFailure: unpack(QuotaFailureSchema),
  };
}
