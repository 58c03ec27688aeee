// What the HTTP/1.1 server answers when a request cannot even be parsed.
// Node's default is a bare status line; these carry the catalogue's body
// (REST's shape: the request never got far enough to have a protocol) so
// that every refusal names its AVNOLOGY code: 431 / 907 for headers over
// MAX_HEADER_BYTES, 400 / 902 for a malformed request, 408 for the
// header/request timeouts.
import type http from "node:http";
import type { Duplex } from "node:stream";
import { AppError } from "../domain/errors.js";
import { renderError } from "./rest/render.js";

export function answerHttp1ClientErrors(server: http.Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (err as { code?: string }).code === "ECONNRESET") return void socket.destroy();
    const code = err.code ?? "";
    if (code === "ERR_HTTP_REQUEST_TIMEOUT") return void socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    const appError = code === "HPE_HEADER_OVERFLOW" ? new AppError("AVNOLOGY_AUTH_907") : new AppError("AVNOLOGY_AUTH_902", { field: "request" }, "Malformed HTTP request");
    const body = JSON.stringify(renderError(appError));
    const reason = appError.entry.http === 431 ? "Request Header Fields Too Large" : "Bad Request";
    socket.end(
      `HTTP/1.1 ${appError.entry.http} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
