import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import { roleAssignmentWriterRoles, type BuiltInRole } from "../../constants/roles";
import { AssignablePrincipalType, builtInRoleId } from "../lib/azure";
import { childKeyChecker } from "../lib/checks";
import { entraOwners } from "../lib/entra";
import { checker } from "../lib/errors";
import { delegationCondition, isBuiltInRole, literalScopeProblem, writesRoleAssignments } from "../lib/rbac";

export const accessGroupsType = "secure-mlops:azuread:AccessGroups";

/** A persona of the platform: one security group per environment. */
export interface PersonaSpec {
  /** Stable key, e.g. `ml-engineers`; names the group `<prefix>-<environment>-<name>`. */
  readonly name: string;
  readonly description?: string;
  /** Object ids of owners of this group only, besides the component's `owners`. @default [] */
  readonly owners?: readonly pulumi.Input<string>[];
  /**
   * Object ids of members (users, groups, service principals). @default undefined (membership is
   * left to Entra ID: access packages, PIM for Groups or the portal)
   */
  readonly members?: readonly pulumi.Input<string>[];
}

/** One row of the access table: a persona holds a built-in role at a named scope. */
export interface GroupRoleSpec {
  readonly persona: string;
  readonly role: BuiltInRole;
  /** A key of `scopes`, e.g. `workspace`, `registry`, `storageContainer`, `resourceGroup`. */
  readonly scope: string;
  /** For roles that write role assignments: the only roles the group may assign (ABAC condition). */
  readonly delegableRoles?: readonly BuiltInRole[];
  readonly description?: string;
}

export interface AccessGroupsArgs {
  /** Environment name the groups are for (`dev`, `staging`, `prod`); part of every group name. */
  readonly environment: string;
  /** @default "sg-mlops" (groups are named `sg-mlops-<environment>-<persona>`) */
  readonly displayNamePrefix?: string;
  /** @default accessGroupsDefaults.personas (platform-admins, ml-engineers, data-scientists, readers) */
  readonly personas?: readonly PersonaSpec[];
  /** Object ids of owners of every group (users or service principals). @default [] */
  readonly owners?: readonly pulumi.Input<string>[];
  /** Make the deploying principal an owner of every group too. @default true */
  readonly includeDeployerAsOwner?: boolean;
  /**
   * Named scopes the table refers to, as ARM ids of a resource group or of resources in it
   * (subscriptions and management groups are refused). Default-table rows whose scope is not
   * given are skipped, so the table works before, say, the workspace exists.
   */
  readonly scopes: Readonly<Record<string, pulumi.Input<string>>>;
  /** The access table. @default accessGroupsDefaults.roleTable */
  readonly roleTable?: readonly GroupRoleSpec[];
  /** Rows added to the table; each must name a given persona and scope. @default [] */
  readonly additionalRoles?: readonly GroupRoleSpec[];
}

/** The component's defaults, in one place; each has an argument that overrides it. */
export const accessGroupsDefaults = {
  displayNamePrefix: "sg-mlops",
  includeDeployerAsOwner: true,
  personas: [
    { name: "platform-admins", description: "Operate the platform's Azure resources. Make membership PIM-eligible, not standing." },
    { name: "ml-engineers", description: "Build and run training and deployment on the ML workspace." },
    { name: "data-scientists", description: "Experiment on the ML workspace with read access to datasets." },
    { name: "readers", description: "Read-only view of the platform's resources." },
  ] as readonly PersonaSpec[],
  /**
   * Least privilege per persona, each at the narrowest scope that works (Microsoft's "Manage
   * access to Azure Machine Learning workspaces"): no one gets Owner or User Access Administrator;
   * images are pushed by CI, not by people.
   */
  roleTable: [
    { persona: "platform-admins", role: "Contributor", scope: "resourceGroup" },
    { persona: "platform-admins", role: "Key Vault Administrator", scope: "keyVault" },
    { persona: "ml-engineers", role: "AzureML Data Scientist", scope: "workspace" },
    { persona: "ml-engineers", role: "AzureML Compute Operator", scope: "workspace" },
    { persona: "ml-engineers", role: "AcrPull", scope: "registry" },
    { persona: "ml-engineers", role: "Storage Blob Data Contributor", scope: "storageContainer" },
    { persona: "ml-engineers", role: "Key Vault Secrets User", scope: "keyVault" },
    { persona: "ml-engineers", role: "Reader", scope: "resourceGroup" },
    { persona: "data-scientists", role: "AzureML Data Scientist", scope: "workspace" },
    { persona: "data-scientists", role: "AcrPull", scope: "registry" },
    { persona: "data-scientists", role: "Storage Blob Data Reader", scope: "storageContainer" },
    { persona: "data-scientists", role: "Reader", scope: "resourceGroup" },
    { persona: "readers", role: "Reader", scope: "resourceGroup" },
  ] as readonly GroupRoleSpec[],
} as const;

const prefixPattern = /^[a-z][a-z0-9-]{0,39}$/;
const environmentPattern = /^[a-z][a-z0-9-]{0,15}$/;

/** Child key of a table row: unique per persona, role and scope. */
export function roleRowKey(row: GroupRoleSpec): string {
  return `${row.persona}-${row.role.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}-${row.scope.toLowerCase()}`;
}

/**
 * Checks the arguments and resolves the table (default rows without a given scope or persona
 * dropped), throwing `ComponentArgumentError` naming the first bad argument.
 */
export function validateAccessGroupsArgs(args: AccessGroupsArgs): { personas: readonly PersonaSpec[]; rows: GroupRoleSpec[] } {
  const check = checker(accessGroupsType);
  const d = accessGroupsDefaults;
  check(environmentPattern.test(args.environment), "environment", `must be 1-16 lower-case letters, digits and dashes, got "${args.environment}"`);
  const prefix = args.displayNamePrefix ?? d.displayNamePrefix;
  check(prefixPattern.test(prefix), "displayNamePrefix", `must be lower-case letters, digits and dashes (at most 40), got "${prefix}"`);

  const personas = args.personas ?? d.personas;
  check(personas.length > 0, "personas", "must list at least one persona");
  const personaKey = childKeyChecker(check);
  const personaNames = new Set<string>();
  personas.forEach((p, i) => {
    personaKey(p.name, `personas[${i}].name`);
    personaNames.add(p.name);
    check(
      (args.includeDeployerAsOwner ?? d.includeDeployerAsOwner) || (args.owners ?? []).length + (p.owners ?? []).length > 0,
      `personas[${i}].owners`,
      `the group "${p.name}" needs at least one owner: give owners, or keep includeDeployerAsOwner`,
    );
  });

  const scopes = args.scopes ?? {};
  for (const [key, scope] of Object.entries(scopes)) {
    check(/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(key), `scopes.${key}`, "must be named with letters and digits (e.g. storageContainer)");
    const problem = literalScopeProblem(scope);
    check(problem === undefined, `scopes.${key}`, problem ?? "");
  }

  const defaultTable = args.roleTable === undefined;
  const candidates: [GroupRoleSpec, string, boolean][] = [
    ...(args.roleTable ?? d.roleTable).map((row, i): [GroupRoleSpec, string, boolean] => [row, `roleTable[${i}]`, defaultTable]),
    ...(args.additionalRoles ?? []).map((row, i): [GroupRoleSpec, string, boolean] => [row, `additionalRoles[${i}]`, false]),
  ];
  const rows: GroupRoleSpec[] = [];
  const keys = new Set<string>();
  for (const [row, at, optional] of candidates) {
    const known = personaNames.has(row.persona) && Object.prototype.hasOwnProperty.call(scopes, row.scope);
    if (optional && !known) continue;
    check(personaNames.has(row.persona), `${at}.persona`, `"${row.persona}" is not a persona (${[...personaNames].join(", ")})`);
    check(
      Object.prototype.hasOwnProperty.call(scopes, row.scope),
      `${at}.scope`,
      `"${row.scope}" is not a given scope (${Object.keys(scopes).join(", ") || "none"})`,
    );
    check(isBuiltInRole(row.role), `${at}.role`, `must be a built-in role of constants/roles.ts, got "${String(row.role)}"`);
    if (writesRoleAssignments(row.role)) {
      check((row.delegableRoles ?? []).length > 0, `${at}.delegableRoles`, `must list the roles "${row.role}" may assign (an ABAC condition enforces it)`);
    } else {
      check(row.delegableRoles === undefined, `${at}.delegableRoles`, `applies only to roles that write role assignments, not "${row.role}"`);
    }
    (row.delegableRoles ?? []).forEach((role, j) => {
      check(isBuiltInRole(role), `${at}.delegableRoles[${j}]`, `must be a built-in role, got "${String(role)}"`);
      check(!roleAssignmentWriterRoles.includes(role), `${at}.delegableRoles[${j}]`, `must not be "${role}", which would let members escalate`);
    });
    const key = roleRowKey(row);
    check(!keys.has(key), at, `grants "${row.role}" to ${row.persona} at ${row.scope} a second time`);
    keys.add(key);
    rows.push(row);
  }
  return { personas, rows };
}

/**
 * Entra ID security groups for the platform's personas in one environment, with owners and
 * optional members, and the built-in roles of a declarative table assigned to those groups (never
 * to users) at named scopes no wider than a resource group.
 */
export class AccessGroups extends pulumi.ComponentResource {
  /** The groups by persona name. */
  readonly groups: Readonly<Record<string, azuread.Group>>;
  /** Object ids of the groups by persona name. */
  readonly groupObjectIds: pulumi.Output<Record<string, string>>;
  /** Display names of the groups by persona name. */
  readonly groupDisplayNames: Readonly<Record<string, string>>;
  /** The table rows applied, as `persona: role @ scope`. */
  readonly assignments: readonly string[];

  constructor(name: string, args: AccessGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(accessGroupsType, name, {}, opts);
    const { personas, rows } = validateAccessGroupsArgs(args);
    const d = accessGroupsDefaults;
    const prefix = args.displayNamePrefix ?? d.displayNamePrefix;
    const includeDeployer = args.includeDeployerAsOwner ?? d.includeDeployerAsOwner;
    const parent = { parent: this };

    const groups: Record<string, azuread.Group> = {};
    const displayNames: Record<string, string> = {};
    for (const persona of personas) {
      const displayName = `${prefix}-${args.environment}-${persona.name}`;
      displayNames[persona.name] = displayName;
      groups[persona.name] = new azuread.Group(
        `${name}-${persona.name}`,
        {
          displayName,
          description: persona.description ?? `${persona.name} of the ${args.environment} ML platform. Managed by secure-mlops.`,
          securityEnabled: true,
          mailEnabled: false,
          // Not assignable to Entra directory roles: these groups carry Azure resource roles only.
          assignableToRole: false,
          preventDuplicateNames: true,
          owners: entraOwners([...(args.owners ?? []), ...(persona.owners ?? [])], includeDeployer),
          members: persona.members ? [...persona.members] : undefined,
        },
        parent,
      );
    }

    for (const row of rows) {
      const group = groups[row.persona] as azuread.Group;
      const condition = row.delegableRoles ? delegationCondition(row.delegableRoles) : undefined;
      new authorization.RoleAssignment(
        `${name}-${roleRowKey(row)}`,
        {
          scope: args.scopes[row.scope] as pulumi.Input<string>,
          principalId: group.objectId,
          principalType: AssignablePrincipalType.Group,
          roleDefinitionId: builtInRoleId(row.role),
          description: row.description ?? `${displayNames[row.persona]}: ${row.role} on ${row.scope}`,
          condition,
          conditionVersion: condition ? "2.0" : undefined,
        },
        parent,
      );
    }

    this.groups = groups;
    this.groupDisplayNames = displayNames;
    this.assignments = rows.map((r) => `${r.persona}: ${r.role} @ ${r.scope}`);
    this.groupObjectIds = pulumi
      .all(Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, g.objectId])))
      .apply((ids) => ({ ...ids }));

    this.registerOutputs({
      groupObjectIds: this.groupObjectIds,
      groupDisplayNames: this.groupDisplayNames,
      assignments: this.assignments,
    });
  }
}
