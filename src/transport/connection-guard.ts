// Puts the limits of connection-limits.ts on the shared port's sockets:
// caps at accept, the first-request deadline, Node's HTTP/1.1 timeouts,
// HTTP/2 stream/session timeouts and the per-address session rate.
// server.ts calls admit() on accept and handOver*() once it knows the
// protocol; shutdown calls dropUnserved().
import type http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";
import { createConnectionGate, type ConnectionLimits } from "./connection-limits.js";
import { answerHttp1ClientErrors } from "./http1-client-errors.js";
import { createFirstRequestDeadlines, startHttp1Timeouts, trackHttp1Requests, watchH2Session } from "./connection-timeouts.js";

export interface ConnectionGuard {
  /** On accept: false when a cap is reached (the socket is destroyed) or the address is penalized (the socket is held unread). */
  admit(socket: Socket): boolean;
  handOverHttp1(socket: Socket): void;
  /** Hands a socket that sent the HTTP/2 preface to the http2 server, unless its address opens sessions too fast. */
  handOverH2(socket: Socket): void;
  /** At shutdown: closes sockets that are not serving a request (no first request yet, idle keep-alive). */
  dropUnserved(): void;
}

/** Options of http2.createServer that bound what one session may do. */
export function h2ServerOptions(limits: ConnectionLimits): http2.ServerOptions {
  return {
    settings: {
      maxConcurrentStreams: limits.h2MaxConcurrentStreams,
      // The protocol limit sits far above maxHeaderBytes so that a large
      // header list still reaches the handler, which answers 431 /
      // RESOURCE_EXHAUSTED (AVNOLOGY_AUTH_907); at Node's default (64 KiB) a
      // larger list only gets the stream reset.
      maxHeaderListSize: Math.max(4 * limits.maxHeaderBytes, 256 * 1024),
    },
    maxHeaderListPairs: 2_000,
    // Node's defaults are 1,000 invalid frames and 100 refused streams per
    // session; a client that sends either kind is broken or hostile.
    maxSessionInvalidFrames: 100,
    maxSessionRejectedStreams: 100,
    // streamResetBurst/streamResetRate are not set: on Node 20.20 they had
    // no effect in a test (sessions end after ~1,000 client resets whatever
    // they say); resets are metered per address in watchH2Session instead.
    unknownProtocolTimeout: limits.headersTimeoutMs,
  } as http2.ServerOptions;
}

export function guardConnections(http1: http.Server, h2: http2.Http2Server, limits: ConnectionLimits): ConnectionGuard {
  const gate = createConnectionGate(limits);
  const deadlines = createFirstRequestDeadlines(limits.headersTimeoutMs);
  const http1Sockets = new Set<Socket>();
  const http1Requests = trackHttp1Requests(http1);
  startHttp1Timeouts(http1);
  answerHttp1ClientErrors(http1);
  http1.on("request", (req: http.IncomingMessage) => deadlines.met(req.socket));

  // 'session' is emitted synchronously from h2.emit("connection"): this is
  // the socket being handed over (the session's own .socket is a proxy).
  let handingOver: Socket | undefined;
  h2.on("session", (session: http2.ServerHttp2Session) => {
    const socket = handingOver;
    const address = socket?.remoteAddress ?? "unknown";
    watchH2Session(session, limits, {
      onFirstStream: () => socket && deadlines.met(socket),
      onClientReset: () => {
        if (gate.admitH2Reset(address)) return;
        // Over its reset budget: end the session now; the address is
        // held unread for h2ResetPenaltyMs (admit).
        session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
        session.destroy();
      },
    });
  });

  return {
    admit(socket) {
      if (!gate.admit(socket)) {
        socket.destroy();
        return false;
      }
      deadlines.arm(socket);
      if (gate.isPenalized(socket.remoteAddress ?? "unknown")) {
        // Refusing would let the attacker reconnect in a loop (measured: ~1,000
        // accepts/s from 4 processes); a connection left unread stalls it
        // until the headers deadline closes it, and the per-address cap
        // bounds how many it can hold.
        socket.pause();
        return false;
      }
      return true;
    },
    handOverHttp1(socket) {
      http1Sockets.add(socket);
      socket.once("close", () => http1Sockets.delete(socket));
      http1.emit("connection", socket);
    },
    handOverH2(socket) {
      if (!gate.admitH2Session(socket.remoteAddress ?? "unknown")) {
        socket.destroy();
        return;
      }
      handingOver = socket;
      try {
        h2.emit("connection", socket);
      } finally {
        handingOver = undefined;
      }
    },
    dropUnserved() {
      deadlines.dropPending();
      for (const socket of http1Sockets) if (!http1Requests.isBusy(socket)) socket.destroy();
    },
  };
}
