import { describe, expect, it } from "vitest";
import { createClientAddressResolver } from "../../../src/transport/client-address.js";

describe("client address without TRUSTED_PROXIES", () => {
  it("is the socket peer; X-Forwarded-For is ignored", () => {
    const resolve = createClientAddressResolver([]);
    expect(resolve("192.0.2.7", "203.0.113.1")).toBe("192.0.2.7");
    expect(resolve(undefined, undefined)).toBe("unknown");
  });
});

describe("client address behind TRUSTED_PROXIES", () => {
  const resolve = createClientAddressResolver(["10.0.0.0/8", "fd00::/8", "192.0.2.1"]);
  it.each([
    { name: "untrusted peer: the peer, whatever it forwards", peer: "198.51.100.4", xff: "203.0.113.1", expected: "198.51.100.4" },
    { name: "trusted peer, one hop", peer: "10.1.2.3", xff: "203.0.113.1", expected: "203.0.113.1" },
    { name: "trusted peer, spoofed left entries ignored", peer: "10.1.2.3", xff: "6.6.6.6, 203.0.113.1", expected: "203.0.113.1" },
    { name: "trusted peer, a chain of trusted proxies", peer: "10.1.2.3", xff: "6.6.6.6, 203.0.113.1, 10.9.9.9, 192.0.2.1", expected: "203.0.113.1" },
    { name: "trusted peer, several headers joined", peer: "10.1.2.3", xff: ["6.6.6.6", "203.0.113.1, 10.0.0.5"], expected: "203.0.113.1" },
    { name: "trusted peer, no header", peer: "10.1.2.3", xff: undefined, expected: "10.1.2.3" },
    { name: "trusted peer, all hops trusted: the left-most", peer: "10.1.2.3", xff: "10.0.0.9, 10.0.0.8", expected: "10.0.0.9" },
    { name: "trusted peer, garbage hop stops the walk", peer: "10.1.2.3", xff: "203.0.113.1, not-an-ip", expected: "10.1.2.3" },
    { name: "ports and brackets", peer: "10.1.2.3", xff: "[2001:db8::5]:443, 10.0.0.1:8080", expected: "2001:db8::5" },
    { name: "IPv4-mapped trusted peer", peer: "::ffff:10.1.2.3", xff: "203.0.113.1", expected: "203.0.113.1" },
    { name: "IPv6 trusted peer", peer: "fd00::1", xff: "2001:db8::9", expected: "2001:db8::9" },
  ])("$name", ({ peer, xff, expected }) => {
    expect(resolve(peer, xff)).toBe(expected);
  });

  it.each(["10.0.0.0/33", "nope", "10.0.0.0/", "::/129", "1.2.3.4/8/9"])("refuses the malformed CIDR %j at start", (cidr) => {
    expect(() => createClientAddressResolver([cidr])).toThrow(/TRUSTED_PROXIES/);
  });
});
