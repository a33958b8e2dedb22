import { validateResourceOfType, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { github } from "./lib/type-tokens";
import { branchScopeSchema, defaultBranchOf, get, githubTypes, protectionLayers, repositoriesOf, repositoryKeyOf } from "./lib/github";
import { githubMapped } from "./lib/github-controls";
import { knobsOf } from "./lib/config";
import { anyOfTypes, stackOfTypes } from "./lib/types";

// GitHub repositories: visibility, code security (secret scanning, vulnerability alerts,
// Dependabot), forking and merge settings, webhooks, rulesets that only pretend to protect, and
// the security resources every repository of a stack must have. Values GitHub fills in when a
// program leaves them unset are judged as GitHub's default, which is stated in each message.

function enabled(status: unknown): boolean {
  return typeof status === "string" && status.toLowerCase() === "enabled";
}

/** GitHub creates a repository public unless `visibility` (or the deprecated `private`) says otherwise. */
function visibilityOf(repo: { visibility?: string; private?: boolean }): string {
  return repo.visibility ?? (repo.private === true ? "private" : "public");
}

export const repositoryPrivate: ResourceValidationPolicy = {
  name: "github-repository-private",
  description: "Repositories that hold the platform's code, pipelines and training scripts must be private or internal.",
  severity: "high",
  remediationSteps: "Set `visibility: \"private\"` (or `\"internal\"` in an enterprise), or set this policy's `allowPublic` for open-source repositories.",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_GIT_1"],
    tags: ["github", "repository"],
  }),
  configSchema: {
    properties: { allowPublic: { type: "boolean", default: false, description: "Allow public repositories." } },
  },
  validateResource: validateResourceOfType(github.Repository, (repo, args, report) => {
    if (knobsOf<{ allowPublic: boolean }>(repositoryPrivate, args).allowPublic) return;
    if (visibilityOf(repo) !== "public") return;
    report(
      repo.visibility === undefined && repo.private === undefined
        ? "The repository must be private or internal (no visibility is set, and GitHub creates it public)."
        : "The repository must be private or internal (it is public).",
    );
  }),
};

export const repositorySecretScanning: ResourceValidationPolicy = {
  name: "github-repository-secret-scanning",
  description: "Repositories must have secret scanning and secret scanning push protection enabled, so credentials are refused before they land.",
  severity: "high",
  remediationSteps:
    "Set `securityAndAnalysis: { secretScanning: { status: \"enabled\" }, secretScanningPushProtection: { status: \"enabled\" } }` " +
    "(private repositories need GitHub Secret Protection or Advanced Security).",
  ...githubMapped({
    atlas: ["AML.M0005", "AML.M0016"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    legitify: ["secret_scanning_not_enabled"],
    tags: ["github", "repository", "secrets"],
  }),
  validateResource: validateResourceOfType(github.Repository, (repo, _args, report) => {
    const sa = repo.securityAndAnalysis;
    if (!enabled(sa?.secretScanning?.status)) report("The repository must have secret scanning enabled.");
    if (!enabled(sa?.secretScanningPushProtection?.status)) report("The repository must have secret scanning push protection enabled.");
  }),
};

export const repositoryVulnerabilityAlerts: ResourceValidationPolicy = {
  name: "github-repository-vulnerability-alerts",
  description: "Repositories must keep Dependabot vulnerability alerts on.",
  severity: "medium",
  remediationSteps: "Create a github.RepositoryVulnerabilityAlerts with `enabled: true` (and do not set the repository's deprecated `vulnerabilityAlerts: false`).",
  ...githubMapped({
    atlas: ["AML.M0016"],
    nist: ["MANAGE-3.1", "MEASURE-2.7"],
    legitify: ["vulnerability_alerts_not_enabled"],
    checkov: ["CKV_GIT_3"],
    tags: ["github", "repository", "vulnerabilities"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.Repository, (repo, _args, report) => {
      if (repo.vulnerabilityAlerts === false) report("The repository must have vulnerability alerts enabled.");
    }),
    validateResourceOfType(github.RepositoryVulnerabilityAlerts, (alerts, _args, report) => {
      // The resource's `enabled` defaults to true.
      if (alerts.enabled === false) report("The repository's vulnerability alerts must be enabled.");
    }),
  ]),
};

export const repositoryDependabotSecurityUpdates: ResourceValidationPolicy = {
  name: "github-repository-dependabot-security-updates",
  description: "Repositories must have Dependabot security updates on, so vulnerable dependencies get fix pull requests.",
  severity: "medium",
  remediationSteps: "Set `enabled: true` on the github.RepositoryDependabotSecurityUpdates (vulnerability alerts must be on too).",
  ...githubMapped({
    atlas: ["AML.M0016", "AML.M0011"],
    nist: ["MANAGE-3.1"],
    legitify: ["vulnerability_alerts_not_enabled"],
    tags: ["github", "repository", "vulnerabilities"],
  }),
  validateResource: validateResourceOfType(github.RepositoryDependabotSecurityUpdates, (updates, _args, report) => {
    if (updates.enabled !== true) report("The repository must have Dependabot security updates enabled.");
  }),
};

export const repositoryForkingDisabled: ResourceValidationPolicy = {
  name: "github-repository-forking-disabled",
  description: "Private and internal repositories must not allow forks, which copy the code outside the repository's protection.",
  severity: "low",
  remediationSteps: "Set `allowForking: false` on the repository.",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    legitify: ["forking_allowed_for_repository"],
    tags: ["github", "repository"],
  }),
  validateResource: validateResourceOfType(github.Repository, (repo, _args, report) => {
    // Public repositories can always be forked; github-repository-private judges them.
    if (visibilityOf(repo) === "public" || repo.allowForking === false) return;
    report(
      repo.allowForking === true
        ? "The repository must disable forking (it allows forks)."
        : "The repository must disable forking (allowForking is unset, so the organization's setting decides).",
    );
  }),
};

export const repositoryMergeSettings: ResourceValidationPolicy = {
  name: "github-repository-merge-settings",
  description: "Repositories must merge by squash or rebase only and delete a pull request's branch once merged.",
  severity: "low",
  remediationSteps: "Set `allowMergeCommit: false` and `deleteBranchOnMerge: true` (GitHub's defaults are the opposite).",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4"],
    tags: ["github", "repository"],
  }),
  validateResource: validateResourceOfType(github.Repository, (repo, _args, report) => {
    if (repo.allowMergeCommit !== false) report("The repository must disable merge commits (squash or rebase merges only).");
    if (repo.deleteBranchOnMerge !== true) report("The repository must delete head branches when their pull requests merge.");
  }),
};

export const webhookSecure: ResourceValidationPolicy = {
  name: "github-repository-webhook-secure",
  description: "Repository and organization webhooks must deliver over verified HTTPS and sign their payloads with a secret.",
  severity: "medium",
  remediationSteps: "Use an `https://` URL, leave `insecureSsl` false, and set `configuration.secret` (from a Pulumi secret).",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    legitify: ["repository_webhook_doesnt_require_ssl", "repository_webhook_no_secret"],
    checkov: ["CKV_GIT_2", "CKV_GITHUB_7"],
    tags: ["github", "repository", "webhook"],
  }),
  validateResource: anyOfTypes((["RepositoryWebhook", "OrganizationWebhook"] as const).map((kind) =>
    validateResourceOfType(kind === "RepositoryWebhook" ? github.RepositoryWebhook : github.OrganizationWebhook, (hook, _args, report) => {
      const config = hook.configuration as { url?: string; insecureSsl?: boolean; secret?: string } | undefined;
      if (!(config?.url ?? "").toLowerCase().startsWith("https://")) report("The webhook must deliver to an https:// URL.");
      if (config?.insecureSsl === true) report("The webhook must verify TLS certificates (insecureSsl must be false).");
      if (!config?.secret) report("The webhook must have a secret, so the receiver can verify its payloads.");
    }),
  )),
};

const codeownersPaths = ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS"];

export const repositorySecuritySettingsManaged: StackValidationPolicy = {
  name: "github-repository-security-settings-managed",
  description:
    "Every repository a stack defines must have vulnerability alerts, Dependabot security updates, workflow token permissions, " +
    "Actions permissions and a CODEOWNERS file managed in the same stack, so none is left to a default.",
  severity: "medium",
  remediationSteps:
    "Add github.RepositoryVulnerabilityAlerts, github.RepositoryDependabotSecurityUpdates, github.WorkflowRepositoryPermissions, " +
    "github.ActionsRepositoryPermissions and a github.RepositoryFile for .github/CODEOWNERS for the repository (ProtectedRepository creates them all).",
  ...githubMapped({
    atlas: ["AML.M0016", "AML.M0005"],
    nist: ["GOVERN-1.4", "MANAGE-3.1"],
    allstar: ["codeowners/CODEOWNERS"],
    legitify: ["vulnerability_alerts_not_enabled", "token_default_permissions_is_read_write"],
    checkov: ["CKV_GIT_3"],
    tags: ["github", "repository"],
  }),
  validateStack: stackOfTypes([githubTypes.repository], (args, report) => {
    const repositories = repositoriesOf(args.resources);
    const of = (type: string, name: string) =>
      args.resources.filter((r) => r.type === type && repositoryKeyOf(r, "repository", repositories) === name);
    for (const repo of repositories) {
      const missing: [boolean, string][] = [
        [
          get(repo.resource.props, "vulnerabilityAlerts") === true || of(githubTypes.vulnerabilityAlerts, repo.name).length > 0,
          "enable vulnerability alerts (github.RepositoryVulnerabilityAlerts)",
        ],
        [of(githubTypes.dependabotSecurityUpdates, repo.name).length > 0, "enable Dependabot security updates (github.RepositoryDependabotSecurityUpdates)"],
        [of(githubTypes.workflowPermissions, repo.name).length > 0, "set its workflows' token permissions (github.WorkflowRepositoryPermissions)"],
        [of(githubTypes.actionsPermissions, repo.name).length > 0, "restrict which actions may run (github.ActionsRepositoryPermissions)"],
        [
          of(githubTypes.repositoryFile, repo.name).some((f) => codeownersPaths.includes(String(get(f.props, "file") ?? ""))),
          "have a CODEOWNERS file (a github.RepositoryFile at .github/CODEOWNERS)",
        ],
      ];
      for (const [present, what] of missing) {
        if (!present) report(`The repository '${repo.name}' must ${what}.`, repo.urn);
      }
    }
  }),
};

export const repositoryBranchesProtected: StackValidationPolicy = {
  name: "github-repository-default-branch-protected",
  description:
    "Every repository a stack defines must have its default branch, and the branches listed in `requiredBranches`, covered by an active ruleset or branch protection rule.",
  severity: "critical",
  remediationSteps:
    "Add a github.RepositoryRuleset with `enforcement: \"active\"`, `target: \"branch\"` and `conditions.refName.includes: [\"~DEFAULT_BRANCH\"]` " +
    "(or use the ProtectedRepository component).",
  ...githubMapped({
    atlas: ["AML.M0005", "AML.M0013"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    allstar: ["branch_protection/EnforceDefault", "branch_protection/EnforceBranches"],
    legitify: ["missing_default_branch_protection"],
    checkov: ["CKV2_GIT_1"],
    tags: ["github", "branch-protection"],
  }),
  configSchema: {
    properties: {
      defaultBranch: branchScopeSchema.defaultBranch,
      requiredBranches: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Branches, besides the default branch, that every repository of the stack must protect.",
      },
    },
  },
  validateStack: stackOfTypes([githubTypes.repository], (args, report) => {
    const config = knobsOf<{ defaultBranch: string; requiredBranches: string[] }>(repositoryBranchesProtected, args);
    const scope = { branches: [], defaultBranch: config.defaultBranch };
    const repositories = repositoriesOf(args.resources);
    const layers = protectionLayers(args.resources).filter((l) => l.active);
    for (const repo of repositories) {
      const defaultBranch = defaultBranchOf(repo.name, args.resources, repositories, scope);
      for (const branch of new Set([defaultBranch, ...config.requiredBranches])) {
        if (layers.some((l) => l.appliesTo(repo) && l.covers(branch, defaultBranch))) continue;
        const which = branch === defaultBranch ? "default branch" : "branch";
        report(`The ${which} '${branch}' of repository '${repo.name}' must be protected by an active ruleset or branch protection rule.`, repo.urn);
      }
    }
  }),
};

export const githubRepositoryPolicies = [
  repositoryBranchesProtected,
  repositoryPrivate,
  repositorySecretScanning,
  repositoryVulnerabilityAlerts,
  repositoryDependabotSecurityUpdates,
  repositoryForkingDisabled,
  repositoryMergeSettings,
  webhookSecure,
  repositorySecuritySettingsManaged,
] as const;
