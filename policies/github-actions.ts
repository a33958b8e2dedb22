import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { github } from "./lib/type-tokens";
import { githubMapped } from "./lib/github-controls";
import { anyOfTypes } from "./lib/types";

// GitHub Actions at repository and organization level: the workflow token's default permissions,
// whether workflows may approve pull requests, which actions may run and whether they must be
// pinned to a commit SHA, and secrets given in plain text.

export const actionsTokenReadOnly: ResourceValidationPolicy = {
  name: "github-actions-token-read-only",
  description: "Workflows must get a read-only GITHUB_TOKEN by default; a job asks for more in its own `permissions:`.",
  severity: "high",
  remediationSteps: "Set `defaultWorkflowPermissions: \"read\"` on github.WorkflowRepositoryPermissions (and on the organization's).",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7", "MANAGE-3.1"],
    legitify: ["token_default_permissions_is_read_write"],
    tags: ["github", "actions"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.WorkflowRepositoryPermissions, (p, _args, report) => {
      if (p.defaultWorkflowPermissions !== "read") {
        report(
          p.defaultWorkflowPermissions === undefined
            ? "The repository's workflows must get a read-only token by default (defaultWorkflowPermissions is unset)."
            : `The repository's workflows must get a read-only token by default (it is '${p.defaultWorkflowPermissions}').`,
        );
      }
    }),
    validateResourceOfType(github.ActionsOrganizationWorkflowPermissions, (p, _args, report) => {
      // The organization resource defaults to "read".
      if (p.defaultWorkflowPermissions !== undefined && p.defaultWorkflowPermissions !== "read") {
        report(`The organization's workflows must get a read-only token by default (it is '${p.defaultWorkflowPermissions}').`);
      }
    }),
  ]),
};

export const actionsCannotApprovePullRequests: ResourceValidationPolicy = {
  name: "github-actions-cannot-approve-pull-requests",
  description: "Workflows must not be able to approve pull requests, which would let automation satisfy a required review.",
  severity: "critical",
  remediationSteps: "Set `canApprovePullRequestReviews: false` on github.WorkflowRepositoryPermissions (and on the organization's).",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    legitify: ["actions_can_approve_pull_requests"],
    tags: ["github", "actions", "code-review"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.WorkflowRepositoryPermissions, (p, _args, report) => {
      if (p.canApprovePullRequestReviews === true) report("The repository's workflows must not be able to approve pull requests.");
    }),
    validateResourceOfType(github.ActionsOrganizationWorkflowPermissions, (p, _args, report) => {
      if (p.canApprovePullRequestReviews === true) report("The organization's workflows must not be able to approve pull requests.");
    }),
  ]),
};

const everyAction = new Set(["*", "*/*", "*@*", "*/*@*"]);

function allowedActionsProblem(allowedActions: unknown, patterns: unknown): string | undefined {
  if (allowedActions !== "selected" && allowedActions !== "localOnly" && allowedActions !== "local_only") {
    return allowedActions === undefined ? "allowedActions is unset, so every action may run" : `allowedActions is '${String(allowedActions)}'`;
  }
  const wide = (Array.isArray(patterns) ? patterns : []).find((p) => typeof p === "string" && everyAction.has(p.trim()));
  return wide === undefined ? undefined : `the pattern '${String(wide)}' allows every action`;
}

export const actionsAllowedActionsRestricted: ResourceValidationPolicy = {
  name: "github-actions-allowed-actions-restricted",
  description: "Only selected actions (GitHub's own and listed patterns) or local actions may run, not any action from the marketplace.",
  severity: "high",
  remediationSteps:
    "Set `allowedActions: \"selected\"` with `allowedActionsConfig: { githubOwnedAllowed: true, patternsAlloweds: [\"owner/action@*\"] }` " +
    "on github.ActionsRepositoryPermissions (or the organization's), without a `*` pattern.",
  ...githubMapped({
    atlas: ["AML.M0011", "AML.M0005"],
    nist: ["GOVERN-6.1", "MANAGE-3.1"],
    tags: ["github", "actions", "supply-chain"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.ActionsRepositoryPermissions, (p, _args, report) => {
      if (p.enabled === false) return;
      const problem = allowedActionsProblem(p.allowedActions, p.allowedActionsConfig?.patternsAlloweds);
      if (problem) report(`The repository must allow only selected actions to run (${problem}).`);
    }),
    validateResourceOfType(github.ActionsOrganizationPermissions, (p, _args, report) => {
      if (p.enabledRepositories === "none") return;
      const problem = allowedActionsProblem(p.allowedActions, p.allowedActionsConfig?.patternsAlloweds);
      if (problem) report(`The organization must allow only selected actions to run (${problem}).`);
    }),
  ]),
};

export const actionsShaPinningRequired: ResourceValidationPolicy = {
  name: "github-actions-sha-pinning-required",
  description: "Actions and reusable workflows must be pinned to a full commit SHA, so a moved tag cannot change what runs.",
  severity: "high",
  remediationSteps: "Set `shaPinningRequired: true` on github.ActionsRepositoryPermissions (or the organization's).",
  ...githubMapped({
    atlas: ["AML.M0011", "AML.M0013"],
    nist: ["GOVERN-6.1", "MANAGE-3.1"],
    tags: ["github", "actions", "supply-chain"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.ActionsRepositoryPermissions, (p, _args, report) => {
      if (p.enabled !== false && p.shaPinningRequired !== true) report("The repository must require actions to be pinned to a full commit SHA.");
    }),
    validateResourceOfType(github.ActionsOrganizationPermissions, (p, _args, report) => {
      if (p.enabledRepositories !== "none" && p.shaPinningRequired !== true) {
        report("The organization must require actions to be pinned to a full commit SHA.");
      }
    }),
  ]),
};

export const actionsSecretNotPlaintext: ResourceValidationPolicy = {
  name: "github-actions-secret-encrypted",
  description: "Actions and Dependabot secrets must not be written with the deprecated `plaintextValue`; prefer OIDC and no secret at all.",
  severity: "medium",
  remediationSteps:
    "Use `valueEncrypted` (encrypted with the repository's public key) or `value` from a Pulumi secret; better, replace the secret " +
    "with OIDC federation (GithubOidcPrincipal) and plain variables.",
  ...githubMapped({
    atlas: ["AML.M0005", "AML.M0012"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_GIT_4"],
    tags: ["github", "actions", "secrets"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.ActionsSecret, (s, _args, report) => {
      if (s.plaintextValue) report(`The Actions secret '${s.secretName}' must not be given as plaintextValue.`);
    }),
    validateResourceOfType(github.ActionsEnvironmentSecret, (s, _args, report) => {
      if (s.plaintextValue) report(`The Actions environment secret '${s.secretName}' must not be given as plaintextValue.`);
    }),
    validateResourceOfType(github.ActionsOrganizationSecret, (s, _args, report) => {
      if (s.plaintextValue) report(`The Actions organization secret '${s.secretName}' must not be given as plaintextValue.`);
    }),
    validateResourceOfType(github.DependabotSecret, (s, _args, report) => {
      if (s.plaintextValue) report(`The Dependabot secret '${s.secretName}' must not be given as plaintextValue.`);
    }),
  ]),
};

export const githubActionsPolicies = [
  actionsTokenReadOnly,
  actionsCannotApprovePullRequests,
  actionsAllowedActionsRestricted,
  actionsShaPinningRequired,
  actionsSecretNotPlaintext,
] as const;
