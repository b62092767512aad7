import { BlockList, isIP } from "node:net";

// Addresses a webhook may not reach unless INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS=true: anything
// that is not a public unicast address. The cloud metadata services live in these ranges
// (169.254.169.254 for AWS, GCP and Azure; fd00:ec2::254 for AWS over IPv6; 100.100.100.200
// for Alibaba). Node's BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1)
// against the IPv4 rules; IPv6 ranges that embed an IPv4 address some other way (NAT64,
// 6to4, Teredo, IPv4-compatible) are refused whole: no webhook receiver needs them.
const IPV4: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved (incl. broadcast)"],
];
const IPV6: [string, number, string][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::", 96, "IPv4-compatible"],
  ["64:ff9b::", 96, "NAT64"],
  ["64:ff9b:1::", 48, "NAT64 (local)"],
  ["100::", 64, "discard"],
  ["2001::", 32, "Teredo"],
  ["2001:db8::", 32, "documentation"],
  ["2002::", 16, "6to4"],
  ["fc00::", 7, "unique local (private; AWS metadata fd00:ec2::254)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local"],
  ["ff00::", 8, "multicast"],
];

const rules = IPV4.map(([net, bits, why]) => {
  const list = new BlockList();
  list.addSubnet(net, bits, "ipv4");
  return { list, why };
}).concat(
  IPV6.map(([net, bits, why]) => {
    const list = new BlockList();
    list.addSubnet(net, bits, "ipv6");
    return { list, why };
  }),
);

/**
 * Why `address` (an IPv4 or IPv6 literal, without brackets) may not be called, or null when it
 * is a public unicast address. Anything that is not an IP literal is refused too.
 *
 * @example forbiddenAddressReason("::ffff:10.0.0.1") // "private"
 */
export function forbiddenAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const { list, why } of rules) if (list.check(address, type)) return why;
  return null;
}
