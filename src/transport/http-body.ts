// Reading a JSON request body with the limits every HTTP transport applies:
// 413 over the size limit, 415 for a non-JSON type, 902 for malformed JSON.
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { AppError } from "../domain/errors.js";

export type NodeRequest = IncomingMessage | Http2ServerRequest;

export function isJsonContentType(type: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type);
}

/** Reads and parses a JSON body; undefined when the body is empty. */
export async function readJsonBody(req: NodeRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = String(req.headers["content-type"] ?? "");
  if (!isJsonContentType(type)) throw new AppError("AVNOLOGY_AUTH_903", { value: type.slice(0, 100) });
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    // JSON.parse's message quotes the body, which may hold a password: not echoed.
    throw new AppError("AVNOLOGY_AUTH_902", {
      field: "body",
      violations: [{ field: "body", code: "AVNOLOGY_AUTH_902", message: "is not valid JSON" }],
    });
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("AVNOLOGY_AUTH_904", { metadata: { max_bytes: String(maxBytes) } });
}
