// One plaintext TCP port for everything: gRPC (h2c with prior knowledge),
// gRPC-Web and Connect over HTTP/1.1 and HTTP/2, and the REST routes.
//
// Node's cleartext http2 server cannot fall back to HTTP/1.1 (allowHTTP1
// needs TLS/ALPN), so a net server looks at the first bytes of each
// connection: the HTTP/2 client preface goes to an http2 server, anything
// else to an http server; both share one request handler.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { guardConnections, h2ServerOptions, type ConnectionGuard } from "./connection-guard.js";
import { defaultConnectionLimits, type ConnectionLimits } from "./connection-limits.js";
import { http1TimeoutOptions } from "./connection-timeouts.js";

const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type NodeHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface RunningServer {
  readonly port: number;
  readonly address: string;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then drops the rest. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(
  handler: NodeHandler,
  port: number,
  host: string,
  limits: ConnectionLimits = defaultConnectionLimits,
): Promise<RunningServer> {
  const http1 = http.createServer(http1TimeoutOptions(limits), handler);
  const h2 = http2.createServer(h2ServerOptions(limits), handler);
  const guard = guardConnections(http1, h2, limits);
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const front = net.createServer({ noDelay: true }, (socket) => {
    if (!guard.admit(socket)) return;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    dispatch(socket, guard);
  });

  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, () => resolve());
  });
  const bound = front.address() as AddressInfo;

  return {
    port: bound.port,
    address: bound.address,
    async close(graceMs = 5_000) {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      http1.closeIdleConnections();
      // Idle HTTP/2 sessions keep server.close() waiting forever: ask each to
      // finish its streams (GOAWAY), then force whatever is left.
      for (const session of sessions) session.close();
      // Sockets without a request in flight (silent, half-sent, idle) would
      // otherwise hold shutdown for the whole grace.
      guard.dropUnserved();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      const drained = (async () => {
        while (sockets.size > 0) {
          http1.closeIdleConnections();
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await Promise.all([closed, drained]);
      clearTimeout(timer);
    },
  };
}

function dispatch(socket: Socket, guard: ConnectionGuard): void {
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const n = Math.min(buffered.length, h2Preface.length);
    const looksLikeH2 = buffered.subarray(0, n).equals(h2Preface.subarray(0, n));
    if (looksLikeH2 && buffered.length < h2Preface.length) return; // wait for the whole preface
    socket.removeListener("data", onData);
    socket.pause();
    socket.unshift(buffered);
    if (looksLikeH2) {
      // Do not resume: the http2 session reads the socket itself, and a
      // resume here would lose the preface.
      guard.handOverH2(socket);
    } else {
      guard.handOverHttp1(socket);
      socket.resume();
    }
  };
  socket.on("data", onData);
}
