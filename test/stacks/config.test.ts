import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/errors";
import { cidrContains, parsePlatformConfig } from "../../stacks/config";
import { errorOf } from "./config-error";

const valid = (): Record<string, unknown> => ({
  environment: "prod",
  location: "westeurope",
  prefix: "smlops",
  tags: { owner: "platform-team" },
  network: { addressSpace: "10.30.0.0/16", privateEndpointSubnet: "10.30.1.0/24" },
  registry: { zoneRedundancy: true, lock: "CanNotDelete" },
  defenderForContainers: true,
});

describe("parsePlatformConfig", () => {
  it("returns a valid config unchanged", () => {
    expect(parsePlatformConfig("secure-mlops", valid())).toEqual(valid());
  });

  const cases: [string, (c: Record<string, unknown>) => void, string][] = [
    ["the environment is unknown", (c) => (c["environment"] = "qa"), 'invalid config secure-mlops:environment: must be one of "dev", "staging", "prod"'],
    ["the prefix is missing", (c) => delete c["prefix"], "invalid config secure-mlops:prefix: is required"],
    ["the prefix has capitals", (c) => (c["prefix"] = "Mlops"), "invalid config secure-mlops:prefix: must match ^[a-z][a-z0-9]{1,9}$"],
    ["the subnet is not CIDR", (c) => ((c["network"] as Record<string, unknown>)["privateEndpointSubnet"] = "10.30.1.0"), "invalid config secure-mlops:network.privateEndpointSubnet: must be an IPv4 CIDR range like 10.20.1.0/24"],
    ["the subnet is outside the address space", (c) => ((c["network"] as Record<string, unknown>)["privateEndpointSubnet"] = "10.31.1.0/24"), "invalid config secure-mlops:network.privateEndpointSubnet: 10.31.1.0/24 is not inside the address space 10.30.0.0/16"],
    ["a registry setting is unknown", (c) => ((c["registry"] as Record<string, unknown>)["adminUser"] = true), "invalid config secure-mlops:registry.adminUser: is not a known setting"],
    ["an allowed IP range is malformed", (c) => ((c["registry"] as Record<string, unknown>)["allowedIpRanges"] = ["1.2.3.4", "1.2.3"]), "invalid config secure-mlops:registry.allowedIpRanges[1]: must be an IPv4 address or CIDR range"],
    ["a tag is not a string", (c) => (c["tags"] = { owner: 3 }), "invalid config secure-mlops:tags.owner: must be string"],
    ["retention is a string", (c) => ((c["registry"] as Record<string, unknown>)["untaggedRetentionDays"] = "7"), "invalid config secure-mlops:registry.untaggedRetentionDays: must be integer"],
  ];
  for (const [when, change, message] of cases) {
    it(`names the key when ${when}`, () => {
      const c = valid();
      change(c);
      expect(errorOf(c)).toBe(message);
    });
  }

  it("never throws anything but a ConfigError, whatever the input", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(valid()), "extra"), fc.jsonValue()), (raw) => {
        try {
          parsePlatformConfig("secure-mlops", { ...valid(), ...raw });
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as Error).message).toMatch(/^invalid config secure-mlops:\S/);
          expect((err as Error).message).not.toContain("\n");
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("cidrContains", () => {
  it("agrees with address arithmetic", () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    fc.assert(
      fc.property(ip, fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), (octets, outerBits, innerBits) => {
        const addr = octets.join(".");
        const n = octets.reduce((a, o) => a * 256 + o, 0);
        const base = (bits: number): number => (bits === 0 ? 0 : Number((BigInt(n) >> BigInt(32 - bits)) << BigInt(32 - bits)));
        const toIp = (v: number): string => [24, 16, 8, 0].map((s) => (v / 2 ** s) % 256 | 0).join(".");
        const outer = `${toIp(base(outerBits))}/${outerBits}`;
        const inner = `${addr}/${innerBits}`;
        expect(cidrContains(outer, inner)).toBe(innerBits >= outerBits);
      }),
    );
  });
  it("refuses a range in another network", () => {
    expect(cidrContains("10.30.0.0/16", "10.31.0.0/24")).toBe(false);
    expect(cidrContains("10.30.0.0/16", "10.30.255.0/24")).toBe(true);
  });
});
