// gRPC server reflection (grpc.reflection.v1 and the older v1alpha, which
// buf curl and grpcurl still fall back to), answered from the descriptors
// embedded in gen/. connect-node ships no reflection service; the protocol is
// small: list services, or send the file (with its dependencies) that holds a
// name, a symbol or an extension. One answer per request, in order.
//
// A bidi-streaming service, so it is served by the Connect router directly,
// beside the unary method pipeline (no credentials, no rate limits): it
// reveals the public contract only, the same .proto files the SDK ships.
import type { DescService, MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import {
  ServerReflection as ServerReflectionV1,
  type ServerReflectionRequest,
  type ServerReflectionResponseSchema,
} from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createFileIndex, serializeFile, type FileIndex } from "./file-index.js";

/** The two reflection services (v1 and v1alpha) for a router: `router.service(s.service, s.impl)`. */
export function createReflectionServices(served: readonly DescService[]) {
  const index = createFileIndex([...served, ServerReflectionV1, ServerReflectionV1Alpha]);
  async function* serverReflectionInfo(requests: AsyncIterable<ServerReflectionRequest>) {
    for await (const request of requests) yield answer(index, request);
  }
  const v1: ServiceImpl<typeof ServerReflectionV1> = { serverReflectionInfo };
  // v1alpha's messages have the same fields and numbers as v1's: the same
  // answers serve both (protobuf-es builds each from a plain init object).
  const v1alpha = { serverReflectionInfo } as unknown as ServiceImpl<typeof ServerReflectionV1Alpha>;
  return [
    { service: ServerReflectionV1, impl: v1 },
    { service: ServerReflectionV1Alpha, impl: v1alpha },
  ] as const;
}

type Answer = MessageInitShape<typeof ServerReflectionResponseSchema>;

export function answer(index: FileIndex, request: ServerReflectionRequest): Answer {
  // The request echoed as a plain init (no $typeName), so that the same answer
  // builds a v1 or a v1alpha response.
  const { $typeName: _, ...originalRequest } = request;
  const message = request.messageRequest;
  if (message.case === "fileContainingExtension") {
    const { $typeName: _ext, ...extension } = message.value;
    originalRequest.messageRequest = { case: message.case, value: extension as typeof message.value };
  }
  const base = { validHost: request.host, originalRequest };
  const files = (found: ReturnType<FileIndex["fileByName"]>, what: string): Answer =>
    found === undefined
      ? { ...base, messageResponse: { case: "errorResponse", value: notFound(`${what} not found`) } }
      : {
          ...base,
          messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: found.map(serializeFile) } },
        };
  switch (message.case) {
    case "listServices":
      return {
        ...base,
        messageResponse: { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } },
      };
    case "fileByFilename":
      return files(index.fileByName(message.value), `file ${message.value}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(message.value), `symbol ${message.value}`);
    case "fileContainingExtension":
      return files(
        index.fileContainingExtension(message.value.containingType, message.value.extensionNumber),
        `extension ${message.value.extensionNumber} of ${message.value.containingType}`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(message.value);
      if (numbers === undefined) return { ...base, messageResponse: { case: "errorResponse", value: notFound(`type ${message.value} not found`) } };
      return {
        ...base,
        messageResponse: { case: "allExtensionNumbersResponse", value: { baseTypeName: message.value, extensionNumber: numbers } },
      };
    }
    default:
      return {
        ...base,
        messageResponse: { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "empty reflection request" } },
      };
  }
}

function notFound(errorMessage: string) {
  return { errorCode: Code.NotFound, errorMessage };
}
