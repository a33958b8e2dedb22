import type { EnforcementLevel, PackInfo, ResolvedPolicyConfig } from "./pack-client";

/**
 * How a big stack is spread over pack processes. `@pulumi/policy`'s server walks every policy
 * for every resource: a policy bound to another type still costs a "not applicable" record in
 * each answer (72 of them per resource for this pack), and that was most of the time of a
 * 5,000-resource preview. So the preview asks the pack which policies apply to each resource
 * type (the first resource of each type, judged with the whole config) and to the stack (a stack
 * of those first resources), deals the types to the processes and the stack policies to one of
 * them (each process running a stack policy must decode the whole stack request), and has
 * each process judge its types in phases: before each phase it is configured with only the
 * policies of that phase's types, plus its stack policies (the same entries in every phase, so
 * the stack analysis running meanwhile reads the same config throughout). Every policy still
 * judges every resource it applies to exactly once, and the stack once, in the pack's own code,
 * at the level and with the properties the config gives it. What is not reproduced: the "not
 * applicable" records of the engine's answers, and the empty answers for resources of a type no
 * policy applies to (only the first of them is sent); the preview shows neither.
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

export interface Phase {
  /** Resource types whose resources are judged in this phase. */
  readonly types: readonly string[];
  /** The config to send before it: the policies of these types and the process's stack policies. */
  readonly config: ResolvedPolicyConfig;
}

export interface ProcessPlan {
  /** The phases, one after the other (none for a process that only judges the stack). */
  readonly phases: readonly Phase[];
  /** Stack policies this process runs (on in every phase's config). */
  readonly stackPolicies: ReadonlySet<string>;
  /** The config while it judges only the stack (before or without phases). */
  readonly stackConfig: ResolvedPolicyConfig;
}

export interface TypeLoad {
  readonly type: string;
  /** Resources of the type still to judge. */
  readonly count: number;
  /** Policies that apply to the type. */
  readonly policies: ReadonlySet<string>;
  /**
   * Values (every object, list and scalar) in the stack's properties of all the type's
   * resources, probe included: what decoding them costs the process that runs the stack.
   * When not given, an average resource's.
   */
  readonly stackValues?: number;
  /** Values in the inputs of the resources still to judge (each decoded by its `Analyze`). */
  readonly values?: number;
}

/**
 * Rough costs in "one policy judging one resource" units, from profiles of 5,000-resource stacks
 * (bench/README.md): an `Analyze` call costs about four applicable policies whatever the pack
 * (gRPC, protobuf, the server's walk), plus the decoding of its properties. google-protobuf makes
 * an object of every value of a Struct (each object, list and scalar), and that decoding, with
 * the garbage it leaves, is the biggest cost on the pack's side: about 2.25 units a value (a prod
 * resource has 13 to 17 values, a Kubernetes workload 38), calibrated so the two processes spend
 * about the same CPU on the prod copies and the Kubernetes stack. A process that runs any stack
 * policy decodes the whole stack request; the server (patched, patches/) builds the resources
 * once per request, so each stack policy then adds only its own walk, about a quarter of a unit
 * a resource.
 */
const callCost = 4;
const decodeCostPerValue = 2.25;
const averageValues = 15;
const stackPolicyCostPerResource = 0.25;
/**
 * Types with fewer resources share a phase (up to this many resources), so a stack of many
 * small types does not pay a `Configure` call and an emptied pipeline per type.
 */
const minPhaseResources = 128;

/**
 * Splits the work over `processes`, largest first, each piece to the least loaded process: the
 * types (with the resource policies that apply to them), and the stack policies that apply to
 * the stack (`stackPolicies`; all enabled ones when not known) as one piece. Every config keeps the level
 * and properties of the policies it turns on and disables the rest.
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
  const stackValues = loads.reduce((n, l) => n + (l.stackValues ?? (l.count + 1) * averageValues), 0);
  const bins = Array.from({ length: processes }, () => ({ loads: [] as TypeLoad[], stack: new Set<string>(), load: 0 }));
  type Bin = (typeof bins)[number];
  const stackRun = pack.policies
    .filter((p) => p.policyType === "stack" && levelOf(pack, config, p.name) !== "disabled" && (stackPolicies?.has(p.name) ?? true))
    .map((p) => p.name);
  // The stack policies go together to one process: each process that ran one would decode the
  // whole stack, which costs more than the policies themselves.
  const pieces: { cost: number; key: string; place: (bin: Bin) => void }[] = [
    ...loads.map((l) => ({
      cost: l.count * (callCost + l.policies.size) + (l.values ?? l.count * averageValues) * decodeCostPerValue,
      key: `type ${l.type}`,
      place: (bin: Bin) => void bin.loads.push(l),
    })),
    ...(stackRun.length === 0
      ? []
      : [
          {
            cost: stackValues * decodeCostPerValue + stackSize * stackRun.length * stackPolicyCostPerResource,
            key: "stack",
            place: (bin: Bin) => stackRun.forEach((name) => bin.stack.add(name)),
          },
        ]),
  ];
  for (const piece of pieces.sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key))) {
    const target = bins.reduce((min, b) => (b.load < min.load ? b : min));
    piece.place(target);
    target.load += piece.cost;
  }
  const configWith = (on: ReadonlySet<string>): ResolvedPolicyConfig =>
    Object.fromEntries(
      pack.policies.map((policy) => {
        const own = config[policy.name] ?? { enforcementLevel: policy.enforcementLevel };
        return [policy.name, on.has(policy.name) ? own : { ...own, enforcementLevel: "disabled" as const }];
      }),
    );
  return bins.map((bin) => ({
    stackPolicies: bin.stack,
    stackConfig: configWith(bin.stack),
    phases: phasesOf(bin.loads).map((group) => ({
      types: group.map((l) => l.type),
      config: configWith(new Set([...bin.stack, ...group.flatMap((l) => [...l.policies])])),
    })),
  }));
}

/** Groups a process's types into phases: a big type alone, small ones together up to minPhaseResources. */
function phasesOf(loads: readonly TypeLoad[]): TypeLoad[][] {
  const phases: TypeLoad[][] = [];
  let small: TypeLoad[] = [];
  let smallCount = 0;
  // A type judged whole by its probe has nothing left to judge; a type no policy applies to would
  // only get empty answers (no policy on, so not even a "can't run during preview" note).
  const judged = loads.filter((x) => x.count > 0 && x.policies.size > 0);
  for (const l of judged.sort((a, b) => b.count - a.count || a.type.localeCompare(b.type))) {
    if (l.count >= minPhaseResources) {
      phases.push([l]);
      continue;
    }
    small.push(l);
    smallCount += l.count;
    if (smallCount >= minPhaseResources) {
      phases.push(small);
      small = [];
      smallCount = 0;
    }
  }
  if (small.length > 0) phases.push(small);
  return phases;
}
