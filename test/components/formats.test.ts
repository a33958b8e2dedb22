import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  firewallIpRule,
  isArmIdOf,
  isFqdn,
  isIpv4Address,
  isIpv4AddressOrCidr,
  isPortRanges,
  parseIpv4Cidr,
  parseKeyIdentifier,
} from "../../components/lib/formats";

const octet = fc.integer({ min: 0, max: 255 });
const address = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const prefix = fc.integer({ min: 0, max: 32 });
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const tld = fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/);
const host = fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }), tld).map(([labels, top]) => [...labels, top].join("."));

describe("IPv4 addresses and CIDR ranges", () => {
  it("accepts every dotted quad and every quad with a 0-32 prefix", () => {
    fc.assert(
      fc.property(address, prefix, (a, p) => {
        expect(isIpv4Address(a)).toBe(true);
        expect(parseIpv4Cidr(`${a}/${p}`)).toEqual({ address: a, prefix: p });
        expect(isIpv4AddressOrCidr(`${a}/${p}`)).toBe(true);
      }),
    );
  });
  it("refuses octets above 255, prefixes above 32, leading zeros and anything else", () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 256, max: 999 }), fc.integer({ min: 33, max: 99 }), (a, big, bits) => {
        expect(isIpv4AddressOrCidr(a.replace(/^\d+/, String(big)))).toBe(false);
        expect(isIpv4AddressOrCidr(`${a}/${bits}`)).toBe(false);
      }),
    );
    for (const bad of ["", "10.0.0", "10.0.0.0.0", "010.0.0.1", "10.0.0.1/", "10.0.0.1/8/8", "::1", "10.0.0.0/24 ", "office.example.com"]) {
      expect(isIpv4AddressOrCidr(bad), bad).toBe(false);
    }
  });
  it("never throws on any string", () => {
    fc.assert(fc.property(fc.string(), (s) => void isIpv4AddressOrCidr(s)));
  });
  it("gives firewalls a bare address for one host and refuses two-host ranges", () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 30 }), (a, p) => {
        expect(firewallIpRule(a)).toBe(a);
        expect(firewallIpRule(`${a}/32`)).toBe(a);
        expect(firewallIpRule(`${a}/31`)).toBeUndefined();
        expect(firewallIpRule(`${a}/${p}`)).toBe(`${a}/${p}`);
      }),
    );
  });
});

describe("FQDNs of outbound rules", () => {
  it("accepts generated host names, and a leading wildcard only when asked", () => {
    fc.assert(
      fc.property(host, (h) => {
        expect(isFqdn(h)).toBe(true);
        expect(isFqdn(`*.${h}`, { wildcard: true })).toBe(true);
        expect(isFqdn(`*.${h}`)).toBe(false);
      }),
    );
  });
  it("refuses schemes, ports, paths, empty labels, single labels and numeric top-level labels", () => {
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), (h, port) => {
        for (const bad of [`https://${h}`, `${h}:${port}`, `${h}/simple`, `${h}.`, `.${h}`, h.replace(".", ".."), `${h}.123`, "*", `*.*.${h}`, `a.*.${h}`]) {
          expect(isFqdn(bad, { wildcard: true }), bad).toBe(false);
        }
      }),
    );
    expect(isFqdn("localhost", { wildcard: true })).toBe(false);
    expect(isFqdn(`${"a".repeat(64)}.com`)).toBe(false);
    expect(isFqdn(`${"a.".repeat(127)}com`)).toBe(false);
  });
  it("never throws on any string", () => {
    fc.assert(fc.property(fc.string(), (s) => void isFqdn(s, { wildcard: true })));
  });
});

describe("port ranges", () => {
  const port = fc.integer({ min: 1, max: 65535 });
  it("accepts ports, ordered ranges and lists of them", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(port, port), { minLength: 1, maxLength: 5 }), (pairs) => {
        const text = pairs.map(([a, b]) => (a === b ? `${a}` : `${Math.min(a, b)}-${Math.max(a, b)}`)).join(",");
        expect(isPortRanges(text)).toBe(true);
      }),
    );
    expect(isPortRanges("*")).toBe(true);
  });
  it("refuses reversed ranges, zero, ports above 65535 and stray text", () => {
    fc.assert(
      fc.property(port, port, (a, b) => {
        fc.pre(a !== b);
        expect(isPortRanges(`${Math.max(a, b)}-${Math.min(a, b)}`)).toBe(false);
      }),
    );
    for (const bad of ["", "0", "65536", "80,", ",80", "80 443", "http", "1-2-3", "*,80"]) expect(isPortRanges(bad), bad).toBe(false);
  });
});

describe("ARM ids and key identifiers", () => {
  it("recognizes a resource's type case-insensitively", () => {
    const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
    expect(isArmIdOf(id, "microsoft.keyvault/VAULTS")).toBe(true);
    expect(isArmIdOf(id, "Microsoft.Storage/storageAccounts")).toBe(false);
    expect(isArmIdOf(`${id}/keys/cmk`, "Microsoft.KeyVault/vaults")).toBe(false);
  });
  it("splits a key identifier into vault URI, name and version", () => {
    expect(parseKeyIdentifier("https://kv-ml.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef")).toEqual({
      vaultUri: "https://kv-ml.vault.azure.net/",
      keyName: "cmk",
      version: "0123456789abcdef0123456789abcdef",
    });
    expect(parseKeyIdentifier("https://kv-ml.vault.azure.net/keys/cmk")).toEqual({ vaultUri: "https://kv-ml.vault.azure.net/", keyName: "cmk" });
    expect(parseKeyIdentifier("http://kv-ml.vault.azure.net/keys/cmk")).toBeUndefined();
    expect(parseKeyIdentifier("https://kv-ml.vault.azure.net/secrets/cmk")).toBeUndefined();
    fc.assert(fc.property(fc.string(), (s) => void parseKeyIdentifier(s)));
  });
});
