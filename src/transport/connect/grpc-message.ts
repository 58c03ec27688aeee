// grpc-message as the gRPC spec encodes it: only bytes outside 0x20–0x7E
// and "%" are percent-encoded (of the UTF-8 bytes). connect-node uses
// encodeURIComponent, which also encodes ":", "/", "?", "," and the like;
// grpc-js decodes with decodeURI, which leaves those encoded, so grpc-js
// callers read "%3A" where the message has ":". Re-encoding to the spec's
// form is read exactly by both (connect-es decodes with decodeURIComponent).
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";

export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The response with its grpc-message trailer re-encoded. The trailer is read
 * by the node adapter only after the body has been written (that is when a
 * unary call's status is known), so it is rewritten at that moment.
 */
export function withSpecGrpcMessage(res: UniversalServerResponse): UniversalServerResponse {
  if (res.trailer === undefined) return res;
  const original = res.trailer;
  return {
    ...res,
    get trailer() {
      const encoded = original.get("grpc-message");
      if (encoded !== null) {
        let message: string | undefined;
        try {
          message = decodeURIComponent(encoded);
        } catch {
          message = undefined; // not connect-es's encoding: left as is
        }
        if (message !== undefined) original.set("grpc-message", encodeGrpcMessage(message));
      }
      return original;
    },
  };
}
