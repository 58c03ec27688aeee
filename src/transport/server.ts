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

export async function listen(handler: NodeHandler, port: number, host: string): Promise<RunningServer> {
  const http1 = http.createServer({ keepAliveTimeout: 65_000 }, handler);
  const h2 = http2.createServer({}, handler);
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const front = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    dispatch(socket, http1, h2);
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

function dispatch(socket: Socket, http1: http.Server, h2: http2.Http2Server): void {
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
      h2.emit("connection", socket);
    } else {
      http1.emit("connection", socket);
      socket.resume();
    }
  };
  socket.on("data", onData);
}
