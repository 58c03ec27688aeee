// The client's address, for the bad-credential throttle and the request log.
//
// Without TRUSTED_PROXIES it is the TCP peer: X-Forwarded-For is ignored,
// since any client can send one. With TRUSTED_PROXIES (CIDRs, e.g. the
// ingress's pod range), a request whose peer is one of them is credited to
// the right-most X-Forwarded-For entry that is not a trusted proxy: every
// trusted hop appends the address it saw, so entries to the right of the
// first untrusted one were written by our proxies and entries to its left by
// whoever the client is (spoofable). An entry that is not an IP address ends
// the walk at the last hop known good.
//
// The address travels to the method pipeline in an internal header the
// server sets on every request (overwriting anything a client sent), because
// Connect handler contexts do not expose the socket.
import { BlockList, isIP } from "node:net";

export const clientAddressHeader = "x-avnology-client-address";

export function clientAddressOf(headers: Headers): string {
  return headers.get(clientAddressHeader) ?? "unknown";
}

export type ClientAddressResolver = (peer: string | undefined, forwardedFor: string | string[] | undefined) => string;

/** Throws on a malformed CIDR, so that a typo in TRUSTED_PROXIES stops the start. */
export function createClientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  if (trustedProxies.length === 0) return (peer) => peer ?? "unknown";
  const trusted = new BlockList();
  for (const cidr of trustedProxies) {
    const [network = "", prefixText, ...rest] = cidr.split("/");
    const family = isIP(network);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === "") {
      throw new Error(`TRUSTED_PROXIES: ${JSON.stringify(cidr)} is not a CIDR like 10.0.0.0/8 or fd00::/8`);
    }
    trusted.addSubnet(network, prefix, family === 6 ? "ipv6" : "ipv4");
  }
  const isTrusted = (address: string): boolean => {
    const family = isIP(address);
    if (family === 0) return false;
    if (family === 6) {
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
      if (mapped !== undefined && trusted.check(mapped, "ipv4")) return true;
      return trusted.check(address, "ipv6");
    }
    return trusted.check(address, "ipv4");
  };

  return (peer, forwardedFor) => {
    if (peer === undefined) return "unknown";
    if (!isTrusted(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor ?? "")
      .split(",")
      .map((hop) => bareAddress(hop.trim()))
      .filter((hop) => hop !== "");
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return client; // garbage: the last good hop is as far as we can see
      client = hop;
      if (!isTrusted(hop)) return hop;
    }
    return client; // every hop is a trusted proxy: the left-most is the origin
  };
}

/** `1.2.3.4:5678` → `1.2.3.4`, `[2001:db8::1]:443` → `2001:db8::1`; anything else as is. */
function bareAddress(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4WithPort ? v4WithPort[1]! : hop;
}
