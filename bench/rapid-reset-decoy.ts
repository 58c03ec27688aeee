// A bare HTTP/2 server for bench/rapid-reset.ts's control phases: attackers
// aimed at it burn the same CPU on this machine as attackers aimed at the
// service, so the difference between the two phases is what the service's
// own handling of the attack costs a normal client. Prints its port.
import http2 from "node:http2";

const server = http2.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end());
});
server.on("sessionError", () => undefined);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
