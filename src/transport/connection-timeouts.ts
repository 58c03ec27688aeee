// The timers of the shared port (limits in connection-limits.ts):
// - every socket: its first request head within headersTimeoutMs of accept,
//   whatever the protocol (silent sockets, half-sent HTTP/2 prefaces and
//   slowloris heads never reach the http/http2 servers' own checks);
// - HTTP/1.1: Node's own per-request headersTimeout / requestTimeout and
//   keepAliveTimeout (answers 408 and closes);
// - HTTP/2: each stream received completely within requestTimeoutMs, and a
//   session with no stream open for idleTimeoutMs is closed (GOAWAY), PINGs
//   and dribbled header bytes notwithstanding.
import http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";
import type { ConnectionLimits } from "./connection-limits.js";

/** Sockets that have not yet completed a first request head, each with its deadline. */
export interface FirstRequestDeadlines {
  arm(socket: Socket): void;
  /** The socket completed a request head: it is an ordinary connection now. */
  met(socket: Socket): void;
  /** Closes every socket still waiting for its first request head (at shutdown). */
  dropPending(): void;
}

export function createFirstRequestDeadlines(ms: number): FirstRequestDeadlines {
  const pending = new Map<Socket, NodeJS.Timeout>();
  const met = (socket: Socket) => {
    const timer = pending.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    pending.delete(socket);
  };
  return {
    arm(socket) {
      const timer = setTimeout(() => {
        pending.delete(socket);
        socket.destroy();
      }, ms);
      timer.unref();
      pending.set(socket, timer);
      socket.once("close", () => met(socket));
    },
    met,
    dropPending() {
      for (const socket of [...pending.keys()]) socket.destroy();
    },
  };
}

/** Options for http.createServer that turn on Node's own HTTP/1.1 timeouts (see startHttp1Timeouts). */
export function http1TimeoutOptions(limits: ConnectionLimits): http.ServerOptions {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    keepAliveTimeout: limits.idleTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // How often Node checks the two above; a quarter of the shortest keeps
    // the overshoot small (at most 1 s with the defaults).
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(shortest / 4))),
    maxHeaderSize: limits.maxHeaderBytes,
  };
}

/**
 * Node checks headersTimeout/requestTimeout from a timer that a server starts
 * on its own 'listening' event, and our http server never listens (the net
 * server in front does): start that check the way listen() would.
 */
export function startHttp1Timeouts(server: http.Server): void {
  server.emit("listening");
}

/** HTTP/1.1 sockets with a request being served, so that shutdown can close the others at once. */
export function trackHttp1Requests(server: http.Server): { isBusy(socket: Socket): boolean } {
  const busy = new Map<Socket, number>();
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const n = (busy.get(socket) ?? 1) - 1;
      if (n <= 0) busy.delete(socket);
      else busy.set(socket, n);
    });
  });
  return { isBusy: (socket) => busy.has(socket) };
}

/** Per-stream request timeout and session idle timeout of one HTTP/2 session. */
export interface H2SessionEvents {
  /** The session's first stream: its first request head is complete. */
  readonly onFirstStream: () => void;
  /** A stream the client reset (or abandoned) before its request was complete or its answer sent. */
  readonly onClientReset: () => void;
}

/** Per-stream request timeout and session idle timeout of one HTTP/2 session; reports client resets. */
export function watchH2Session(session: http2.ServerHttp2Session, limits: ConnectionLimits, events: H2SessionEvents): void {
  let open = 0;
  let started = false;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    idle = setTimeout(() => closeSession(session), limits.idleTimeoutMs);
    idle.unref();
  };
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    if (!started) {
      started = true;
      events.onFirstStream();
    }
    open++;
    clearTimeout(idle);
    idle = undefined;
    let timedOut = false;
    const requestTimer = setTimeout(() => {
      // Still receiving the request (its body, usually) after the limit: the
      // handler is waiting for it, so cancel the stream; a slow handler with
      // the whole request in hand is not cut off.
      if (!stream.destroyed && stream.state.remoteClose !== 1) {
        timedOut = true;
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }, limits.requestTimeoutMs);
    requestTimer.unref();
    stream.once("close", () => {
      clearTimeout(requestTimer);
      if ((stream.rstCode ?? 0) !== http2.constants.NGHTTP2_NO_ERROR && !timedOut && !session.destroyed) events.onClientReset();
      open--;
      if (open === 0 && !session.destroyed && !session.closed) armIdle();
    });
  });
  session.once("close", () => clearTimeout(idle));
}

function closeSession(session: http2.ServerHttp2Session): void {
  if (session.destroyed) return;
  session.close(); // GOAWAY; closes once no stream is open
  setTimeout(() => session.destroy(), 5_000).unref();
}
