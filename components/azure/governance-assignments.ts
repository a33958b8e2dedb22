import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import {
  azurePolicyBuiltIns,
  builtInDefinitionId,
  defaultExcludedNamespaces,
  effectFor,
  remediates,
  type AzurePolicyBuiltIn,
} from "../../constants/azure-policy-builtins";
import { AssignablePrincipalType, builtInRoleId } from "../lib/azure";
import { childKeyChecker } from "../lib/checks";
import { checker } from "../lib/errors";

export const governanceAssignmentsType = "secure-mlops:azure:GovernanceAssignments";

/** How hard the assignments bite: `audit` reports, `enforce` denies where the definition allows and remediates. */
export const GovernanceEnforcement = { Audit: "audit", Enforce: "enforce" } as const;
export type GovernanceEnforcement = (typeof GovernanceEnforcement)[keyof typeof GovernanceEnforcement];

/** Why a resource may stay non-compliant (Azure Policy's exemption categories). */
export const ExemptionCategory = { Waiver: "Waiver", Mitigated: "Mitigated" } as const;
export type ExemptionCategory = (typeof ExemptionCategory)[keyof typeof ExemptionCategory];

/** A recorded, expiring exception to one of the assignments. */
export interface GovernanceExemptionSpec {
  /** Stable key naming the child resource and the exemption. */
  readonly name: string;
  /** The key of the exempted assignment (`constants/azure-policy-builtins.ts`), e.g. `aks-local-accounts-disabled`. */
  readonly assignment: string;
  /** The exempted resource or resource group. @default the assignment's scope */
  readonly scope?: pulumi.Input<string>;
  /** @default "Waiver" */
  readonly category?: ExemptionCategory;
  /** When the exemption lapses: an ISO 8601 UTC timestamp (`2027-03-31T00:00:00Z`). Required: no exemption is forever. */
  readonly expiresOn: string;
  /** Why the exemption exists and who accepted the risk; at least 20 characters. */
  readonly reason: string;
  /** For an initiative, the member reference ids exempted. @default every member */
  readonly policyDefinitionReferenceIds?: readonly string[];
}

export interface GovernanceAssignmentsArgs {
  /** The platform's resource group: the scope of the resource-level assignments. */
  readonly resourceGroupId: pulumi.Input<string>;
  /** Region of the assignments' managed identities (Azure requires one where an assignment has an identity). */
  readonly location: pulumi.Input<string>;
  /** The AKS cluster: the scope of the in-cluster assignments; without it they are not made. @default none */
  readonly clusterId?: pulumi.Input<string>;
  /** `audit` (dev) or `enforce` (staging, prod). @default "enforce" */
  readonly enforcement?: GovernanceEnforcement;
  /** Keys of assignments kept in audit under `enforce`, matching what the environment's pack config relaxes. @default none */
  readonly auditOnly?: readonly string[];
  /** Keys of built-ins not to assign (a landing zone assigns them). @default none */
  readonly exclude?: readonly string[];
  /** Namespaces the in-cluster assignments skip, besides Azure's system namespaces. @default none */
  readonly excludedNamespaces?: readonly string[];
  /** A prefix for assignment names and display names, e.g. the environment (`smlops-prod`). @default "secure-mlops" */
  readonly namePrefix?: string;
  /** Recorded exceptions, each with an expiry and a reason. @default none */
  readonly exemptions?: readonly GovernanceExemptionSpec[];
}

/** The component's secure defaults, in one place; each has an argument of the same name. */
export const governanceAssignmentsDefaults = {
  enforcement: GovernanceEnforcement.Enforce,
  auditOnly: [] as readonly string[],
  exclude: [] as readonly string[],
  excludedNamespaces: [] as readonly string[],
  namePrefix: "secure-mlops",
  exemptionCategory: ExemptionCategory.Waiver,
} as const;

const namespacePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const prefixPattern = /^[a-z0-9][a-z0-9-]{0,19}$/;
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;
const minReasonLength = 20;

/** True for an ISO 8601 UTC timestamp naming a real instant (Date.parse rolls 2027-02-30 over into March; this does not). */
function isUtcTimestamp(value: string): boolean {
  if (!isoUtc.test(value)) return false;
  const at = Date.parse(value);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 19) === value.slice(0, 19);
}

/** Checks the arguments before any child exists; throws `ComponentArgumentError` naming the first bad one. */
export function validateGovernanceAssignmentsArgs(args: GovernanceAssignmentsArgs): void {
  const check = checker(governanceAssignmentsType);
  const known = new Set(azurePolicyBuiltIns.map((b) => b.key));
  const enforcement = args.enforcement ?? governanceAssignmentsDefaults.enforcement;
  check(Object.values(GovernanceEnforcement).includes(enforcement), "enforcement", `must be "audit" or "enforce", got "${String(enforcement)}"`);
  const prefix = args.namePrefix ?? governanceAssignmentsDefaults.namePrefix;
  check(prefixPattern.test(prefix), "namePrefix", `must be 1-20 lower-case letters, digits and dashes, got "${prefix}"`);
  const exclude = args.exclude ?? governanceAssignmentsDefaults.exclude;
  exclude.forEach((key, i) => check(known.has(key), `exclude[${i}]`, `"${key}" is not an assignment of constants/azure-policy-builtins.ts`));
  (args.auditOnly ?? governanceAssignmentsDefaults.auditOnly).forEach((key, i) => {
    check(known.has(key), `auditOnly[${i}]`, `"${key}" is not an assignment of constants/azure-policy-builtins.ts`);
    check(!exclude.includes(key), `auditOnly[${i}]`, `"${key}" is also excluded`);
  });
  (args.excludedNamespaces ?? governanceAssignmentsDefaults.excludedNamespaces).forEach((ns, i) =>
    check(namespacePattern.test(ns), `excludedNamespaces[${i}]`, `must be a Kubernetes namespace name, got "${ns}"`),
  );
  const key = childKeyChecker(check);
  (args.exemptions ?? []).forEach((ex, i) => {
    const at = `exemptions[${i}]`;
    key(ex.name, `${at}.name`);
    const builtIn = azurePolicyBuiltIns.find((b) => b.key === ex.assignment);
    check(builtIn !== undefined && !exclude.includes(ex.assignment), `${at}.assignment`, `"${ex.assignment}" is not an assignment this component makes`);
    check(
      builtIn?.target !== "cluster" || args.clusterId !== undefined,
      `${at}.assignment`,
      `"${ex.assignment}" is assigned on the cluster, and no clusterId is given`,
    );
    check(
      ex.category === undefined || Object.values(ExemptionCategory).includes(ex.category),
      `${at}.category`,
      `must be "Waiver" or "Mitigated", got "${String(ex.category)}"`,
    );
    check(isUtcTimestamp(ex.expiresOn), `${at}.expiresOn`, `must be an ISO 8601 UTC timestamp like 2027-03-31T00:00:00Z, got "${ex.expiresOn}"`);
    check(ex.reason.trim().length >= minReasonLength, `${at}.reason`, `must say why the exemption exists and who accepted the risk (at least ${minReasonLength} characters)`);
    (ex.policyDefinitionReferenceIds ?? []).forEach((ref, j) =>
      check(builtIn?.kind === "initiative", `${at}.policyDefinitionReferenceIds[${j}]`, `"${ref}" names a member, and "${ex.assignment}" is not an initiative`),
    );
  });
}

/** The arguments resolved once against the defaults. */
interface Resolved {
  readonly prefix: string;
  readonly enforcement: GovernanceEnforcement;
  readonly auditOnly: ReadonlySet<string>;
  readonly excludedNamespaces: readonly string[];
  readonly location: pulumi.Input<string>;
  readonly scopeOf: (builtIn: AzurePolicyBuiltIn) => pulumi.Input<string>;
}

/**
 * Azure Policy assignments, at the platform's resource group and on its AKS cluster, of the
 * built-in definitions and initiatives that enforce after deployment what the CrossGuard pack
 * checks before it (`constants/azure-policy-builtins.ts`; the pack's `afterDeployment` table
 * maps each policy to them). `enforce` denies where a definition allows Deny and lets
 * DeployIfNotExists/Modify remediate, with a system-assigned identity holding the roles the
 * definition names; `audit` only reports. Exemptions are resources with an expiry and a reason.
 */
export class GovernanceAssignments extends pulumi.ComponentResource {
  /** The ARM ids of the assignments, keyed by built-in key. */
  readonly assignmentIds: pulumi.Output<Readonly<Record<string, string>>>;
  /** The ARM ids of the exemptions, keyed by name. */
  readonly exemptionIds: pulumi.Output<Readonly<Record<string, string>>>;

  constructor(name: string, args: GovernanceAssignmentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(governanceAssignmentsType, name, {}, opts);
    validateGovernanceAssignmentsArgs(args);
    const d = governanceAssignmentsDefaults;
    const exclude = new Set(args.exclude ?? d.exclude);
    const resolved: Resolved = {
      prefix: args.namePrefix ?? d.namePrefix,
      enforcement: args.enforcement ?? d.enforcement,
      auditOnly: new Set(args.auditOnly ?? d.auditOnly),
      excludedNamespaces: [...defaultExcludedNamespaces, ...(args.excludedNamespaces ?? d.excludedNamespaces)],
      location: args.location,
      scopeOf: (b) => (b.target === "cluster" ? (args.clusterId as pulumi.Input<string>) : args.resourceGroupId),
    };

    const chosen = azurePolicyBuiltIns.filter((b) => !exclude.has(b.key) && (b.target === "resourceGroup" || args.clusterId !== undefined));
    const assignments = new Map(chosen.map((b) => [b.key, this.assign(name, b, resolved)] as const));

    const exemptions = (args.exemptions ?? []).map((ex) => {
      const assignment = assignments.get(ex.assignment);
      const builtIn = chosen.find((b) => b.key === ex.assignment);
      if (assignment === undefined || builtIn === undefined) throw new Error(`unreachable: ${ex.assignment} was validated`);
      return new authorization.PolicyExemption(
        `${name}-exempt-${ex.name}`,
        {
          policyExemptionName: `${resolved.prefix}-${ex.name}`,
          scope: ex.scope ?? resolved.scopeOf(builtIn),
          policyAssignmentId: assignment.id,
          exemptionCategory: ex.category ?? d.exemptionCategory,
          expiresOn: ex.expiresOn,
          description: ex.reason,
          displayName: `${resolved.prefix}: ${ex.name} (${builtIn.displayName})`,
          policyDefinitionReferenceIds: ex.policyDefinitionReferenceIds ? [...ex.policyDefinitionReferenceIds] : undefined,
          metadata: { managedBy: "secure-mlops" },
        },
        { parent: this },
      );
    });

    this.assignmentIds = idsByKey([...assignments].map(([key, a]) => [key, a.id]));
    this.exemptionIds = idsByKey((args.exemptions ?? []).map((ex, i) => [ex.name, exemptions[i]!.id]));
    this.registerOutputs({ assignmentIds: this.assignmentIds, exemptionIds: this.exemptionIds });
  }

  /** One assignment, and for a remediating definition its identity's role assignments. */
  private assign(name: string, builtIn: AzurePolicyBuiltIn, r: Resolved): authorization.PolicyAssignment {
    const level = r.auditOnly.has(builtIn.key) ? GovernanceEnforcement.Audit : r.enforcement;
    const effect = effectFor(builtIn, level);
    const fixes = remediates(builtIn);
    // A remediating definition has no auditing effect: in audit it is assigned but not enforced,
    // which reports non-compliance without changing any resource.
    const enforced = level === GovernanceEnforcement.Enforce || !fixes;
    const scope = r.scopeOf(builtIn);
    const parameters: Record<string, { value: unknown }> = { effect: { value: effect } };
    for (const [key, value] of Object.entries(builtIn.parameters ?? {})) parameters[key] = { value };
    if (builtIn.target === "cluster") parameters["excludedNamespaces"] = { value: [...r.excludedNamespaces] };

    const assignment = new authorization.PolicyAssignment(
      `${name}-${builtIn.key}`,
      {
        policyAssignmentName: `${r.prefix}-${builtIn.key}`,
        displayName: `${r.prefix}: ${builtIn.displayName}`,
        description: `Assigned by secure-mlops (${level}): the after-deployment twin of the CrossGuard pack's check. See docs/governance.md.`,
        scope,
        policyDefinitionId: builtInDefinitionId(builtIn),
        enforcementMode: enforced ? "Default" : "DoNotEnforce",
        parameters,
        nonComplianceMessages: [
          {
            message:
              `${builtIn.displayName}: the secure-mlops policy pack refuses this configuration before deployment too. ` +
              "Fix the resource, or record an exemption with an expiry and a reason in the stack (docs/governance.md).",
          },
        ],
        metadata: { managedBy: "secure-mlops", builtIn: builtIn.key },
        ...(fixes ? { identity: { type: authorization.ResourceIdentityType.SystemAssigned }, location: r.location } : {}),
      },
      { parent: this },
    );

    for (const role of builtIn.remediationRoles ?? []) {
      new authorization.RoleAssignment(
        `${name}-${builtIn.key}-${roleKey(role)}`,
        {
          scope,
          principalId: assignment.identity.apply((identity) => identity?.principalId ?? ""),
          principalType: AssignablePrincipalType.ServicePrincipal,
          roleDefinitionId: builtInRoleId(role),
          description: `Lets the policy assignment ${r.prefix}-${builtIn.key} remediate (${builtIn.displayName}).`,
        },
        { parent: this },
      );
    }
    return assignment;
  }
}

/** A child-name key of a role name: `Azure Kubernetes Service Contributor Role` -> `azure-kubernetes-service-contributor-role`. */
function roleKey(role: string): string {
  return role.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function idsByKey(pairs: readonly (readonly [string, pulumi.Output<string>])[]): pulumi.Output<Readonly<Record<string, string>>> {
  return pulumi.all(pairs.map(([key, id]) => id.apply((value): [string, string] => [key, value]))).apply((entries) => Object.fromEntries(entries));
}
