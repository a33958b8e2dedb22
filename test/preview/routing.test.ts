import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EnforcementLevel, PackInfo, PolicyInfo, ResolvedPolicyConfig } from "../../preview/pack-client";
import { applicablePolicies, isTypeBoundReason, planProcesses, type TypeLoad } from "../../preview/routing";
import { notApplicableReason } from "../../policies/lib/types";

const policy = (name: string, policyType: PolicyInfo["policyType"], enforcementLevel: EnforcementLevel = "mandatory"): PolicyInfo => ({
  name,
  description: name,
  enforcementLevel,
  policyType,
  severity: "high",
  tags: [],
  remediationSteps: "",
});

const pack = (policies: PolicyInfo[]): PackInfo => ({ name: "p", version: "1", policies });

describe("isTypeBoundReason", () => {
  it("recognises the SDK's reason for a type-bound policy and the pack's multi-type form", () => {
    expect(isTypeBoundReason("Policy only applies to resources of type 'azure-native:keyvault:Vault'")).toBe(true);
    expect(isTypeBoundReason(notApplicableReason(["a:b:C", "a:b:D"]))).toBe(true);
  });
  it("does not take any other reason as type-bound", () => {
    expect(isTypeBoundReason("Policy does not implement validateResource")).toBe(false);
    expect(isTypeBoundReason("the workspace is not HBI")).toBe(false);
    expect(isTypeBoundReason("")).toBe(false);
  });
});

describe("applicablePolicies", () => {
  const p = pack([policy("a", "resource"), policy("b", "resource"), policy("c", "resource", "disabled"), policy("s", "stack"), policy("t", "stack")]);
  const config: ResolvedPolicyConfig = { a: { enforcementLevel: "advisory" }, b: { enforcementLevel: "mandatory" }, c: { enforcementLevel: "disabled" } };
  it("keeps the enabled policies of the kind that the answer does not rule out by type", () => {
    expect([...applicablePolicies(p, config, "resource", [{ policyName: "b", reason: notApplicableReason(["x:y:Z"]) }])]).toEqual(["a"]);
  });
  it("keeps a policy not applicable for a reason other than the type", () => {
    expect([...applicablePolicies(p, config, "resource", [{ policyName: "b", reason: "not this time" }])]).toEqual(["a", "b"]);
  });
  it("reads stack policies separately, with their levels from the pack when the config has none", () => {
    expect([...applicablePolicies(p, config, "stack", [{ policyName: "t", reason: notApplicableReason(["x:y:Z"]) }])]).toEqual(["s"]);
  });
});

describe("planProcesses", () => {
  const names = ["r1", "r2", "r3", "r4", "r5", "s1", "s2", "s3"];
  const arbitraryPlan = fc
    .record({
      levels: fc.array(fc.constantFrom<EnforcementLevel>("advisory", "mandatory", "remediate", "disabled"), { minLength: names.length, maxLength: names.length }),
      loads: fc.uniqueArray(
        fc.record({ type: fc.constantFrom("t:a:A", "t:b:B", "t:c:C", "t:d:D", "t:e:E"), count: fc.nat(50), policies: fc.subarray(["r1", "r2", "r3", "r4", "r5"]) }),
        { selector: (l) => l.type, maxLength: 5 },
      ),
      stackApplicable: fc.option(fc.subarray(["s1", "s2", "s3"]), { nil: undefined }),
      processes: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ levels, loads, stackApplicable, processes }) => {
      const p = pack(names.map((n, i) => policy(n, n.startsWith("s") ? "stack" : "resource", levels[i])));
      const config: ResolvedPolicyConfig = Object.fromEntries(names.map((n, i) => [n, { enforcementLevel: levels[i], properties: { knob: n } }]));
      const enabled = (n: string) => config[n]?.enforcementLevel !== "disabled";
      // As applicablePolicies gives them: only enabled policies.
      const typeLoads: TypeLoad[] = loads.map((l) => ({ ...l, policies: new Set(l.policies.filter(enabled)) }));
      return { p, config, typeLoads, stack: stackApplicable === undefined ? undefined : new Set(stackApplicable.filter(enabled)), processes, enabled };
    });

  const configsOf = (plan: ReturnType<typeof planProcesses>[number]) => [plan.stackConfig, ...plan.phases.map((ph) => ph.config)];

  it("judges every type with resources and policies in one phase of one process, with each of its policies on at its own level and properties", () => {
    fc.assert(
      fc.property(arbitraryPlan, ({ p, config, typeLoads, stack, processes }) => {
        const plans = planProcesses(p, config, typeLoads, processes, stack);
        expect(plans).toHaveLength(processes);
        const phases = plans.flatMap((plan) => plan.phases);
        for (const l of typeLoads) {
          const owners = phases.filter((ph) => ph.types.includes(l.type));
          expect(owners).toHaveLength(l.count > 0 && l.policies.size > 0 ? 1 : 0);
          for (const name of l.policies) if (owners[0]) expect(owners[0].config[name]).toEqual(config[name]);
        }
      }),
    );
  });

  it("runs every stack policy that applies on exactly one process, with the same entry in all its configs, and no other stack policy", () => {
    fc.assert(
      fc.property(arbitraryPlan, ({ p, config, typeLoads, stack, processes, enabled }) => {
        const plans = planProcesses(p, config, typeLoads, processes, stack);
        for (const name of ["s1", "s2", "s3"]) {
          const runs = enabled(name) && (stack?.has(name) ?? true);
          const owners = plans.filter((plan) => plan.stackPolicies.has(name));
          expect(owners.length).toBe(runs ? 1 : 0);
          for (const plan of plans) {
            for (const c of configsOf(plan)) {
              if (owners.includes(plan)) expect(c[name]).toEqual(config[name]);
              else expect(c[name]?.enforcementLevel).toBe("disabled");
            }
          }
        }
      }),
    );
  });

  it("never turns on a policy the config disables, nor a resource policy its phase's types do not need", () => {
    fc.assert(
      fc.property(arbitraryPlan, ({ p, config, typeLoads, stack, processes, enabled }) => {
        for (const plan of planProcesses(p, config, typeLoads, processes, stack)) {
          for (const c of configsOf(plan)) for (const name of names) if (!enabled(name)) expect(c[name]?.enforcementLevel).toBe("disabled");
          for (const name of names.filter((n) => n.startsWith("r"))) expect(plan.stackConfig[name]?.enforcementLevel).toBe("disabled");
          for (const phase of plan.phases) {
            const needed = new Set(typeLoads.filter((l) => phase.types.includes(l.type)).flatMap((l) => [...l.policies]));
            for (const name of names.filter((n) => n.startsWith("r") && !needed.has(n))) expect(phase.config[name]?.enforcementLevel).toBe("disabled");
          }
        }
      }),
    );
  });

  it("balances two big types over two processes, each type a phase of its own", () => {
    const p = pack([policy("r1", "resource"), policy("r2", "resource")]);
    const plans = planProcesses(p, {}, [{ type: "t:a:A", count: 1000, policies: new Set(["r1"]) }, { type: "t:b:B", count: 1000, policies: new Set(["r2"]) }], 2);
    expect(plans.map((plan) => plan.phases.map((ph) => ph.types))).toEqual([[["t:a:A"]], [["t:b:B"]]]);
    expect(plans[0]?.phases[0]?.config["r2"]?.enforcementLevel).toBe("disabled");
    expect(plans[1]?.phases[0]?.config["r2"]?.enforcementLevel).toBe("mandatory");
  });

  it("puts small types together in a phase and leaves out types with nothing left to judge or no policy", () => {
    const p = pack([policy("r1", "resource")]);
    const small = ["t:a:A", "t:b:B", "t:c:C"].map((type) => ({ type, count: 10, policies: new Set(["r1"]) }));
    const idle = [
      { type: "t:d:D", count: 0, policies: new Set(["r1"]) },
      { type: "t:e:E", count: 500, policies: new Set<string>() },
    ];
    const plans = planProcesses(p, {}, [...small, ...idle], 1);
    expect(plans[0]?.phases.map((ph) => ph.types)).toEqual([["t:a:A", "t:b:B", "t:c:C"]]);
  });

  it("refuses a pack whose policy does not say its kind, and zero processes", () => {
    expect(() => planProcesses(pack([policy("x", "unknown")]), {}, [], 1)).toThrow("policy x has no policy type; judge without routing");
    expect(() => planProcesses(pack([]), {}, [], 0)).toThrow("planProcesses needs at least one process");
  });
});
