import type { EnforcementLevel, PackInfo, ResolvedPolicyConfig } from "./pack-client";

/**
 * How a big stack is spread over pack processes. `@pulumi/policy`'s server walks every policy
 * for every resource: a policy bound to another type still costs a "not applicable" record in
 * each answer (72 of them per resource for this pack), and that was most of the time of a
 * 5,000-resource preview. So the preview asks the pack once per resource type which policies
 * apply (the first resource of each type, judged with the full config), then gives each
 * process only the resource policies that apply to the types it receives, and a share of the
 * stack policies. Each resource and each stack policy is still judged exactly once, by the
 * pack's own code, at the level the config gives it; only the "not applicable" records of the
 * engine's answers are not reproduced (the preview does not show them).
 */

/**
 * The reason `@pulumi/policy` gives for a policy bound to one type (`validateResourceOfType`)
 * meeting another: "Policy only applies to resources of type 'T'"; the pack's multi-type
 * policies say the same with several types. Only a reason of this form is taken to depend on
 * the type alone: a policy that is not applicable for any other reason stays on.
 */
export function isTypeBoundReason(reason: string): boolean {
  return reason.startsWith("Policy only applies to resources of type ");
}

/**
 * The policies of `kind` that apply, learned from the pack's answer about one resource (resource
 * policies) or a stack with one resource of each type (stack policies): the enabled ones, less
 * those it reported not applicable for a type-bound reason.
 */
export function applicablePolicies(
  pack: PackInfo,
  config: ResolvedPolicyConfig,
  kind: "resource" | "stack",
  notApplicable: readonly { readonly policyName: string; readonly reason: string }[],
): Set<string> {
  const out = new Set(pack.policies.filter((p) => p.policyType === kind && levelOf(pack, config, p.name) !== "disabled").map((p) => p.name));
  for (const n of notApplicable) if (isTypeBoundReason(n.reason)) out.delete(n.policyName);
  return out;
}

function levelOf(pack: PackInfo, config: ResolvedPolicyConfig, name: string): EnforcementLevel | undefined {
  return config[name]?.enforcementLevel ?? pack.policies.find((p) => p.name === name)?.enforcementLevel;
}

export interface ProcessPlan {
  /** Resource types whose resources this process judges. */
  readonly types: ReadonlySet<string>;
  /** Stack policies this process runs. */
  readonly stackPolicies: ReadonlySet<string>;
  /** The config to send: every other policy disabled. */
  readonly config: ResolvedPolicyConfig;
}

export interface TypeLoad {
  readonly type: string;
  /** Resources of the type still to judge. */
  readonly count: number;
  /** Policies that apply to the type. */
  readonly policies: ReadonlySet<string>;
}

/**
 * Rough costs in "one policy judging one resource" units, from the profile of a 5,000-resource
 * stack (bench/README.md): an `Analyze` call costs about four applicable policies whatever the
 * pack (gRPC, protobuf, the server's walk); a stack policy deserializes every resource of the
 * stack once; a process that runs any stack policy first decodes the whole stack, about two units
 * a resource.
 */
const callCost = 4;
const stackDecodeCostPerResource = 2;

/**
 * Splits the work over `processes`, largest first, each piece to the least loaded process: the
 * types (with the resource policies that apply to them) and the stack policies that apply to
 * the stack (`stackPolicies`; all enabled ones when not known). A process's config keeps the
 * level and properties of its policies and disables the rest.
 */
export function planProcesses(
  pack: PackInfo,
  config: ResolvedPolicyConfig,
  loads: readonly TypeLoad[],
  processes: number,
  stackPolicies?: ReadonlySet<string>,
): ProcessPlan[] {
  if (processes < 1) throw new Error("planProcesses needs at least one process");
  const untyped = pack.policies.find((p) => p.policyType === "unknown");
  // The pack did not say whether it is a resource or a stack policy: it cannot be placed.
  if (untyped) throw new Error(`policy ${untyped.name} has no policy type; judge without routing`);
  const stackSize = loads.reduce((n, l) => n + l.count + 1, 0);
  const plans = Array.from({ length: processes }, () => ({ types: new Set<string>(), stack: new Set<string>(), resource: new Set<string>(), load: 0 }));
  type Piece = { cost: number; key: string; place: (p: (typeof plans)[number]) => void };
  const pieces: Piece[] = [
    ...loads.map((l) => ({
      cost: l.count * (callCost + l.policies.size),
      key: `type ${l.type}`,
      place: (p: (typeof plans)[number]) => {
        p.types.add(l.type);
        for (const name of l.policies) p.resource.add(name);
      },
    })),
    ...pack.policies
      .filter((p) => p.policyType === "stack" && levelOf(pack, config, p.name) !== "disabled" && (stackPolicies?.has(p.name) ?? true))
      .map((policy) => ({
        cost: stackSize,
        key: `stack ${policy.name}`,
        place: (p: (typeof plans)[number]) => {
          if (p.stack.size === 0) p.load += stackSize * stackDecodeCostPerResource;
          p.stack.add(policy.name);
        },
      })),
  ];
  for (const piece of pieces.sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key))) {
    const target = plans.reduce((min, p) => (p.load < min.load ? p : min));
    piece.place(target);
    target.load += piece.cost;
  }
  return plans.map((p) => ({
    types: p.types,
    stackPolicies: p.stack,
    config: Object.fromEntries(
      pack.policies.map((policy) => {
        const own = config[policy.name] ?? { enforcementLevel: policy.enforcementLevel };
        const on = policy.policyType === "stack" ? p.stack.has(policy.name) : p.resource.has(policy.name);
        return [policy.name, on ? own : { ...own, enforcementLevel: "disabled" as const }];
      }),
    ),
  }));
}
