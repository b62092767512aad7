import { describe, expect, it } from "vitest";
import { forbiddenAddressReason } from "./address-policy.js";

describe("forbiddenAddressReason", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.100.100.200", "carrier-grade NAT"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "reserved (incl. broadcast)"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local (cloud metadata)"],
    ["::ffff:10.0.0.1", "private"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["64:ff9b::a00:1", "NAT64"],
    ["2002:7f00:1::", "6to4"],
    ["fd00:ec2::254", "unique local (private; AWS metadata fd00:ec2::254)"],
    ["fe80::1", "link-local"],
    ["ff02::1", "multicast"],
    ["example.com", "not an IP address"],
  ])("refuses %s (%s)", (address, why) => {
    expect(forbiddenAddressReason(address)).toBe(why);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(forbiddenAddressReason(address)).toBeNull();
    },
  );
});
