import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import * as github from "@pulumi/github";
import {
  azureTokenExchangeAudience,
  formatGithubSubject,
  githubActionsIssuer,
  githubSubjectProblems,
  isValidEnvironmentName,
  isValidGitRef,
  maxFederatedCredentialsPerApplication,
  parseGithubRepository,
  type GithubSubjectContext,
  type GithubSubjectRepository,
} from "../../constants/github-oidc";
import { roleAssignmentWriterRoles, type BuiltInRole } from "../../constants/roles";
import { AssignablePrincipalType, builtInRoleId, childKeyPattern, currentClientConfig } from "../lib/azure";
import { childKeyChecker } from "../lib/checks";
import { currentEntraClientConfig, entraOwners } from "../lib/entra";
import { checker } from "../lib/errors";
import { delegationCondition, isBuiltInRole, literalScopeProblem, writesRoleAssignments } from "../lib/rbac";

export const githubOidcPrincipalType = "secure-mlops:azuread:GithubOidcPrincipal";

/** What a federated credential trusts: the entity types the Azure portal offers for GitHub. */
export const FederatedEntity = {
  Environment: "environment",
  Branch: "branch",
  Tag: "tag",
  PullRequest: "pull_request",
} as const;
export type FederatedEntity = (typeof FederatedEntity)[keyof typeof FederatedEntity];

/** How the repository appears in the token's subject. */
export const SubjectFormat = {
  /** `repo:OWNER/REPO:...`, GitHub's classic default. */
  Name: "name",
  /** `repo:OWNER@OWNER_ID/REPO@REPO_ID:...`, the default of repositories created or renamed since mid-2026. */
  ImmutableId: "immutable-id",
} as const;
export type SubjectFormat = (typeof SubjectFormat)[keyof typeof SubjectFormat];

/** One federated identity credential: the single workflow context it trusts. */
export interface GithubFederatedCredentialSpec {
  /** Stable key naming the credential and its child resource (lower-case letters, digits, dashes). */
  readonly name: string;
  readonly entity: FederatedEntity;
  /** The environment, branch or tag name; none for `pull_request`. */
  readonly value?: string;
  /** Values of customized claims (`subjectClaimKeys`) that the repository and context do not give. */
  readonly claimValues?: Readonly<Record<string, string>>;
  readonly description?: string;
}

/** A role the principal holds, at the scope of its purpose (a resource group or narrower). */
export interface PrincipalRoleAssignmentSpec {
  /** Stable key naming the child resource. */
  readonly name: string;
  readonly role: BuiltInRole;
  /** ARM id of a resource group or resource; subscriptions and management groups are refused. */
  readonly scope: pulumi.Input<string>;
  /**
   * Required for roles that write role assignments (Role Based Access Control Administrator,
   * Owner, User Access Administrator): the only roles this principal may assign, enforced by an
   * ABAC condition, and only to groups and service principals.
   */
  readonly delegableRoles?: readonly BuiltInRole[];
  readonly description?: string;
}

export interface GithubOidcPrincipalArgs {
  /** The GitHub repository, `OWNER/REPO`. */
  readonly repository: string;
  /** What the principal is for, e.g. `deploy-prod` or `sign-models`; names the application. */
  readonly purpose: string;
  /** The workflow contexts the principal trusts, at most 20 (Entra ID's limit). */
  readonly federatedCredentials: readonly GithubFederatedCredentialSpec[];
  /** @default "name" */
  readonly subjectFormat?: SubjectFormat;
  /** The repository owner's numeric id (required with `subjectFormat: "immutable-id"`). */
  readonly ownerId?: number;
  /** The repository's numeric id (required with `subjectFormat: "immutable-id"`). */
  readonly repositoryId?: number;
  /**
   * Delimiter between name and id in the immutable format: `@` (GitHub's docs and observed
   * tokens) or `-` (GitHub's 2026-04-23 changelog example). @default "@"
   */
  readonly immutableIdDelimiter?: "@" | "-";
  /**
   * The org's or repository's customized `include_claim_keys`, in order (`context` stands for the
   * default context). @default undefined (GitHub's default template `repo:...:<context>`)
   */
  readonly subjectClaimKeys?: readonly string[];
  /** Token issuer; change only for GitHub Enterprise Server. @default "https://token.actions.githubusercontent.com" */
  readonly issuer?: string;
  /** @default "api://AzureADTokenExchange" */
  readonly audience?: string;
  /** Roles at the scope of the principal's purpose, keyed by `name`. @default [] */
  readonly roleAssignments?: readonly PrincipalRoleAssignmentSpec[];
  /** Object ids of further owners of the application and service principal. @default [] */
  readonly owners?: readonly pulumi.Input<string>[];
  /** Make the deploying principal an owner too, so this stack can manage the objects again. @default true */
  readonly includeDeployerAsOwner?: boolean;
  /** @default `github-<owner>-<repo>-<purpose>` */
  readonly displayName?: string;
  /** Subscription written to AZURE_SUBSCRIPTION_ID. @default the deploying subscription */
  readonly subscriptionId?: pulumi.Input<string>;
  /**
   * GitHub environments that get AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID as
   * Actions environment variables (not secrets: none is secret). Needs a configured `github`
   * provider whose owner is the repository's owner, and the environments to exist. @default []
   */
  readonly actionsVariableEnvironments?: readonly string[];
}

/** The component's defaults, in one place; each has an argument that overrides it. */
export const githubOidcPrincipalDefaults = {
  subjectFormat: SubjectFormat.Name,
  immutableIdDelimiter: "@",
  issuer: githubActionsIssuer,
  audience: azureTokenExchangeAudience,
  includeDeployerAsOwner: true,
  actionsVariableEnvironments: [] as readonly string[],
} as const;

/** The variables a workflow needs for `azure/login` with OIDC. */
export interface AzureLoginVariables {
  readonly AZURE_CLIENT_ID: string;
  readonly AZURE_TENANT_ID: string;
  readonly AZURE_SUBSCRIPTION_ID: string;
}

const claimKeyPattern = /^[a-z][a-z0-9_]{0,63}$/;
const positiveId = (n: unknown): boolean => typeof n === "number" && Number.isSafeInteger(n) && n > 0;

function contextOf(spec: GithubFederatedCredentialSpec): GithubSubjectContext {
  switch (spec.entity) {
    case FederatedEntity.Environment:
      return { kind: "environment", environment: spec.value ?? "" };
    case FederatedEntity.Branch:
      return { kind: "branch", branch: spec.value ?? "" };
    case FederatedEntity.Tag:
      return { kind: "tag", tag: spec.value ?? "" };
    case FederatedEntity.PullRequest:
      return { kind: "pull_request" };
  }
}

/** Lower-case slug of a free name (an environment), for child resource names. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * Checks every argument and computes the subjects, throwing `ComponentArgumentError` naming the
 * first bad argument. Exported so callers can validate config before building anything.
 */
export function validateGithubOidcPrincipalArgs(args: GithubOidcPrincipalArgs): { subjects: string[] } {
  const check = checker(githubOidcPrincipalType);
  const d = githubOidcPrincipalDefaults;
  const repo = parseGithubRepository(typeof args.repository === "string" ? args.repository : "");
  check(repo !== undefined, "repository", `must be "OWNER/REPO" with a GitHub account and repository name, got "${String(args.repository)}"`);
  const { owner, name } = repo as { owner: string; name: string };
  check(childKeyPattern.test(args.purpose), "purpose", `must be lower-case letters, digits and dashes, got "${args.purpose}"`);

  const format = args.subjectFormat ?? d.subjectFormat;
  check(Object.values(SubjectFormat).includes(format), "subjectFormat", `must be "name" or "immutable-id", got "${String(format)}"`);
  if (args.ownerId !== undefined) check(positiveId(args.ownerId), "ownerId", `must be a positive integer, got ${String(args.ownerId)}`);
  if (args.repositoryId !== undefined) check(positiveId(args.repositoryId), "repositoryId", `must be a positive integer, got ${String(args.repositoryId)}`);
  if (format === SubjectFormat.ImmutableId) {
    check(args.ownerId !== undefined, "ownerId", 'is required with subjectFormat "immutable-id" (the owner\'s numeric id, GET /users/OWNER .id)');
    check(args.repositoryId !== undefined, "repositoryId", 'is required with subjectFormat "immutable-id" (the repository\'s numeric id, GET /repos/OWNER/REPO .id)');
  }
  const delimiter = args.immutableIdDelimiter ?? d.immutableIdDelimiter;
  check(delimiter === "@" || delimiter === "-", "immutableIdDelimiter", `must be "@" or "-", got "${String(delimiter)}"`);

  const claimKeys = args.subjectClaimKeys;
  if (claimKeys !== undefined) {
    check(claimKeys.length > 0, "subjectClaimKeys", "must list at least one claim key, or be left out for GitHub's default template");
    const seenKeys = new Set<string>();
    claimKeys.forEach((key, i) => {
      check(claimKeyPattern.test(key), `subjectClaimKeys[${i}]`, `must be a claim key (lower-case letters, digits, underscores), got "${key}"`);
      check(!seenKeys.has(key), `subjectClaimKeys[${i}]`, `"${key}" is listed twice`);
      seenKeys.add(key);
    });
  }

  const issuer = args.issuer ?? d.issuer;
  check(/^https:\/\/[^\s/]+(\/\S*)?$/.test(issuer), "issuer", `must be an https:// URL, got "${issuer}"`);
  const audience = args.audience ?? d.audience;
  check(audience.length > 0 && !/\s/.test(audience), "audience", `must be a non-empty value without spaces, got "${audience}"`);

  const credentials = args.federatedCredentials ?? [];
  check(credentials.length > 0, "federatedCredentials", "must list at least one workflow context to trust");
  check(
    credentials.length <= maxFederatedCredentialsPerApplication,
    "federatedCredentials",
    `has ${credentials.length} entries, but Entra ID allows at most ${maxFederatedCredentialsPerApplication} federated credentials per application; split the purposes into several principals`,
  );
  const repository: GithubSubjectRepository =
    format === SubjectFormat.ImmutableId
      ? { kind: "immutable", owner, name, ownerId: args.ownerId ?? 0, repositoryId: args.repositoryId ?? 0, delimiter }
      : { kind: "name", owner, name };
  // The ids are known facts even for the name format; customized `repository_id` claims use them.
  const knownIds: Record<string, string> = {};
  if (args.ownerId !== undefined) knownIds["repository_owner_id"] = String(args.ownerId);
  if (args.repositoryId !== undefined) knownIds["repository_id"] = String(args.repositoryId);

  const credentialKey = childKeyChecker(check);
  const subjects: string[] = [];
  credentials.forEach((c, i) => {
    const at = `federatedCredentials[${i}]`;
    credentialKey(c.name, `${at}.name`);
    check(Object.values(FederatedEntity).includes(c.entity), `${at}.entity`, `must be environment, branch, tag or pull_request, got "${String(c.entity)}"`);
    const value = c.value ?? "";
    switch (c.entity) {
      case FederatedEntity.Environment:
        check(isValidEnvironmentName(value), `${at}.value`, `must be a GitHub environment name without wildcards or ":", got "${value}"`);
        break;
      case FederatedEntity.Branch:
        check(isValidGitRef(`refs/heads/${value}`) && !/[*?[\]{}]/.test(value), `${at}.value`, `must be one branch name (no wildcards), got "${value}"`);
        break;
      case FederatedEntity.Tag:
        check(isValidGitRef(`refs/tags/${value}`) && !/[*?[\]{}]/.test(value), `${at}.value`, `must be one tag name (no wildcards), got "${value}"`);
        break;
      case FederatedEntity.PullRequest:
        check(c.value === undefined, `${at}.value`, "must be left out for pull_request, whose subject names no branch");
        break;
    }
    let subject = "";
    try {
      subject = formatGithubSubject({
        repository,
        context: contextOf(c),
        claimKeys,
        claimValues: { ...knownIds, ...c.claimValues },
      });
    } catch (err) {
      check(false, `${at}.claimValues`, (err as Error).message);
    }
    const problems = githubSubjectProblems(subject);
    check(problems.length === 0, at, `gives the subject "${subject}", which is refused: ${problems.join("; ")}`);
    check(!subjects.includes(subject), at, `gives the subject "${subject}" a second time`);
    subjects.push(subject);
  });

  const roleKey = childKeyChecker(check);
  (args.roleAssignments ?? []).forEach((ra, i) => {
    const at = `roleAssignments[${i}]`;
    roleKey(ra.name, `${at}.name`);
    check(isBuiltInRole(ra.role), `${at}.role`, `must be a built-in role of constants/roles.ts, got "${String(ra.role)}"`);
    const scopeProblem = literalScopeProblem(ra.scope);
    check(scopeProblem === undefined, `${at}.scope`, scopeProblem ?? "");
    if (writesRoleAssignments(ra.role)) {
      check(
        ra.role === "Role Based Access Control Administrator",
        `${at}.role`,
        `"${ra.role}" is never given to a GitHub principal; use Contributor and "Role Based Access Control Administrator" with delegableRoles`,
      );
      check((ra.delegableRoles ?? []).length > 0, `${at}.delegableRoles`, `must list the roles "${ra.role}" may assign (an ABAC condition enforces it)`);
    } else {
      check(ra.delegableRoles === undefined, `${at}.delegableRoles`, `applies only to roles that write role assignments, not "${ra.role}"`);
    }
    (ra.delegableRoles ?? []).forEach((role, j) => {
      check(isBuiltInRole(role), `${at}.delegableRoles[${j}]`, `must be a built-in role, got "${String(role)}"`);
      check(!roleAssignmentWriterRoles.includes(role), `${at}.delegableRoles[${j}]`, `must not be "${role}", which would let the principal escalate`);
    });
  });

  const envs = new Set<string>();
  (args.actionsVariableEnvironments ?? d.actionsVariableEnvironments).forEach((env, i) => {
    const at = `actionsVariableEnvironments[${i}]`;
    check(isValidEnvironmentName(env), at, `must be a GitHub environment name, got "${env}"`);
    check(!envs.has(slug(env)), at, `"${env}" is listed twice`);
    envs.add(slug(env));
  });
  if (args.displayName !== undefined) {
    check(args.displayName.trim().length > 0 && args.displayName.length <= 120, "displayName", "must be 1-120 characters");
  }
  return { subjects };
}

/**
 * An Entra ID application and service principal for one GitHub repository and one purpose, trusted
 * only through federated identity credentials with pinned subjects (never a password or
 * certificate), holding roles at the scope of its purpose only. Outputs what `azure/login` needs.
 */
export class GithubOidcPrincipal extends pulumi.ComponentResource {
  readonly application: azuread.Application;
  readonly servicePrincipal: azuread.ServicePrincipal;
  /** The application's client id: AZURE_CLIENT_ID. */
  readonly clientId: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  readonly subscriptionId: pulumi.Output<string>;
  /** Object id of the service principal (what role assignments name). */
  readonly principalId: pulumi.Output<string>;
  /** The subjects trusted, in `federatedCredentials` order. */
  readonly subjects: pulumi.Output<string[]>;
  /** AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID, for the workflow. */
  readonly workflowVariables: pulumi.Output<AzureLoginVariables>;

  constructor(name: string, args: GithubOidcPrincipalArgs, opts?: pulumi.ComponentResourceOptions) {
    super(githubOidcPrincipalType, name, {}, opts);
    const { subjects } = validateGithubOidcPrincipalArgs(args);
    const d = githubOidcPrincipalDefaults;
    const { owner, name: repoName } = parseGithubRepository(args.repository) as { owner: string; name: string };
    const parent = { parent: this };
    const owners = entraOwners(args.owners ?? [], args.includeDeployerAsOwner ?? d.includeDeployerAsOwner);
    const notes = `GitHub Actions in ${owner}/${repoName} (${args.purpose}) through OIDC federation; it has no password or certificate. Managed by secure-mlops.`;

    this.application = new azuread.Application(
      `${name}-app`,
      {
        displayName: args.displayName ?? `github-${owner}-${repoName}-${args.purpose}`.toLowerCase(),
        description: notes,
        notes,
        owners,
        signInAudience: "AzureADMyOrg",
        preventDuplicateNames: true,
        tags: ["secure-mlops", "github-oidc", args.purpose],
      },
      parent,
    );
    this.servicePrincipal = new azuread.ServicePrincipal(
      `${name}-sp`,
      { clientId: this.application.clientId, owners, notes, tags: ["secure-mlops", "github-oidc", args.purpose] },
      parent,
    );

    (args.federatedCredentials ?? []).forEach((c, i) => {
      new azuread.ApplicationFederatedIdentityCredential(
        `${name}-fic-${c.name}`,
        {
          applicationId: this.application.id,
          displayName: `github-${c.name}`,
          description: c.description ?? `GitHub Actions ${c.entity}${c.value === undefined ? "" : ` ${c.value}`} in ${owner}/${repoName}`,
          issuer: args.issuer ?? d.issuer,
          audiences: [args.audience ?? d.audience],
          subject: subjects[i] as string,
        },
        parent,
      );
    });

    for (const ra of args.roleAssignments ?? []) {
      const condition = ra.delegableRoles ? delegationCondition(ra.delegableRoles) : undefined;
      new authorization.RoleAssignment(
        `${name}-role-${ra.name}`,
        {
          scope: ra.scope,
          principalId: this.servicePrincipal.objectId,
          principalType: AssignablePrincipalType.ServicePrincipal,
          roleDefinitionId: builtInRoleId(ra.role),
          description: ra.description ?? `${args.purpose} from GitHub ${owner}/${repoName}`,
          condition,
          conditionVersion: condition ? "2.0" : undefined,
        },
        parent,
      );
    }

    this.clientId = this.application.clientId;
    this.principalId = this.servicePrincipal.objectId;
    this.tenantId = currentEntraClientConfig().tenantId;
    this.subscriptionId = args.subscriptionId !== undefined ? pulumi.output(args.subscriptionId) : currentClientConfig().subscriptionId;
    this.subjects = pulumi.output(subjects);
    this.workflowVariables = pulumi
      .all([this.clientId, this.tenantId, this.subscriptionId])
      .apply(([clientId, tenantId, subscriptionId]) => ({
        AZURE_CLIENT_ID: clientId,
        AZURE_TENANT_ID: tenantId,
        AZURE_SUBSCRIPTION_ID: subscriptionId,
      }));

    const variables: [keyof AzureLoginVariables, pulumi.Output<string>][] = [
      ["AZURE_CLIENT_ID", this.clientId],
      ["AZURE_TENANT_ID", this.tenantId],
      ["AZURE_SUBSCRIPTION_ID", this.subscriptionId],
    ];
    for (const environment of args.actionsVariableEnvironments ?? d.actionsVariableEnvironments) {
      for (const [variableName, value] of variables) {
        new github.ActionsEnvironmentVariable(
          `${name}-var-${slug(environment)}-${variableName.toLowerCase().replace(/_/g, "-")}`,
          { repository: repoName, environment, variableName, value },
          parent,
        );
      }
    }

    this.registerOutputs({
      clientId: this.clientId,
      tenantId: this.tenantId,
      subscriptionId: this.subscriptionId,
      principalId: this.principalId,
      subjects: this.subjects,
      workflowVariables: this.workflowVariables,
    });
  }
}
