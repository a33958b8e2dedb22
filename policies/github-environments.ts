import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { github } from "./lib/type-tokens";
import { knobsOf } from "./lib/config";
import { githubMapped } from "./lib/github-controls";
import { anyOfTypes } from "./lib/types";

// GitHub deployment environments that guard production (the `environments` knob names them):
// a team must approve each deployment, admins must not skip that, and only the production branch
// may deploy. The OIDC principal's federated credential trusts `environment:production`, so these
// rules are what stands between a merged commit and production credentials.

const environmentsKnob = {
  environments: {
    type: "array",
    items: { type: "string", minLength: 1 },
    default: ["production", "prod"],
    description: "GitHub environment names (case-insensitive) these rules apply to.",
  },
} as const;

function judged(name: unknown, config: { environments: string[] }): boolean {
  const names = config.environments.map((n) => n.toLowerCase());
  return typeof name === "string" && names.includes(name.toLowerCase());
}

const mapping = githubMapped({
  atlas: ["AML.M0019", "AML.M0005"],
  nist: ["GOVERN-1.4", "MANAGE-2.4"],
  tags: ["github", "environment", "deployment"],
});

export const environmentRequiresReviewers: ResourceValidationPolicy = {
  name: "github-environment-requires-reviewers",
  description: "Production environments must require a reviewer to approve each deployment, and not let its author approve it.",
  severity: "critical",
  remediationSteps: "Set `reviewers: [{ teams: [<team id>] }]` and `preventSelfReview: true` on the github.RepositoryEnvironment.",
  ...mapping,
  configSchema: { properties: { ...environmentsKnob } },
  validateResource: validateResourceOfType(github.RepositoryEnvironment, (env, args, report) => {
    if (!judged(env.environment, knobsOf<{ environments: string[] }>(environmentRequiresReviewers, args))) return;
    const reviewers = (env.reviewers ?? []).reduce((n, r) => n + (r.teams?.length ?? 0) + (r.users?.length ?? 0), 0);
    if (reviewers === 0) report(`The environment '${env.environment}' must require a reviewer to approve each deployment.`);
    if (env.preventSelfReview !== true) {
      report(`The environment '${env.environment}' must prevent the person who started a deployment from approving it.`);
    }
  }),
};

export const environmentAdminsCannotBypass: ResourceValidationPolicy = {
  name: "github-environment-admins-cannot-bypass",
  description: "Production environments must not let repository administrators skip their reviewers and wait timer.",
  severity: "high",
  remediationSteps: "Set `canAdminsBypass: false` on the github.RepositoryEnvironment (GitHub's default is true).",
  ...mapping,
  configSchema: { properties: { ...environmentsKnob } },
  validateResource: validateResourceOfType(github.RepositoryEnvironment, (env, args, report) => {
    if (!judged(env.environment, knobsOf<{ environments: string[] }>(environmentAdminsCannotBypass, args))) return;
    if (env.canAdminsBypass !== false) {
      report(`The environment '${env.environment}' must not let repository administrators bypass its protection rules.`);
    }
  }),
};

export const environmentBranchesRestricted: ResourceValidationPolicy = {
  name: "github-environment-deployment-branches-restricted",
  description: "Production environments must accept deployments only from named branches (custom deployment branch policies).",
  severity: "high",
  remediationSteps:
    "Set `deploymentBranchPolicy: { customBranchPolicies: true, protectedBranches: false }` and add a " +
    "github.RepositoryEnvironmentDeploymentPolicy with `branchPattern: \"production\"`.",
  ...mapping,
  configSchema: { properties: { ...environmentsKnob } },
  validateResource: validateResourceOfType(github.RepositoryEnvironment, (env, args, report) => {
    if (!judged(env.environment, knobsOf<{ environments: string[] }>(environmentBranchesRestricted, args))) return;
    const policy = env.deploymentBranchPolicy;
    if (policy === undefined || (policy.customBranchPolicies !== true && policy.protectedBranches !== true)) {
      report(`The environment '${env.environment}' must restrict which branches may deploy to it (every branch may).`);
    } else if (policy.customBranchPolicies !== true) {
      report(`The environment '${env.environment}' must allow only named branches to deploy, not every protected branch.`);
    }
  }),
};

export const environmentDeploymentBranchAllowed: ResourceValidationPolicy = {
  name: "github-environment-deployment-branch-allowed",
  description: "A production environment's deployment branch policies may name only the branches in `allowedBranches` (production only from `production`).",
  severity: "high",
  remediationSteps: "Give the production environment a deployment policy for `production` only; deploy other branches to staging.",
  ...mapping,
  configSchema: {
    properties: {
      ...environmentsKnob,
      allowedBranches: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: ["production"],
        description: "Branches that may deploy to a production environment.",
      },
      allowTags: { type: "boolean", default: false, description: "Allow tag patterns to deploy to a production environment." },
    },
  },
  validateResource: anyOfTypes([
    validateResourceOfType(github.RepositoryEnvironmentDeploymentPolicy, (p, args, report) => {
      const config = knobsOf<{ environments: string[]; allowedBranches: string[]; allowTags: boolean }>(environmentDeploymentBranchAllowed, args);
      if (!judged(p.environment, config)) return;
      const allowed = config.allowedBranches;
      if (p.branchPattern !== undefined && !allowed.includes(p.branchPattern)) {
        report(`The environment '${p.environment}' must deploy only from ${allowed.map((b) => `'${b}'`).join(", ")} (this policy allows '${p.branchPattern}').`);
      }
      if (p.tagPattern !== undefined && !config.allowTags) {
        report(`The environment '${p.environment}' must not deploy from tags (this policy allows '${p.tagPattern}').`);
      }
    }),
    validateResourceOfType(github.RepositoryDeploymentBranchPolicy, (p, args, report) => {
      const config = knobsOf<{ environments: string[]; allowedBranches: string[] }>(environmentDeploymentBranchAllowed, args);
      if (!judged(p.environmentName, config)) return;
      const allowed = config.allowedBranches;
      if (p.name === undefined || !allowed.includes(p.name)) {
        report(`The environment '${p.environmentName}' must deploy only from ${allowed.map((b) => `'${b}'`).join(", ")} (this policy allows '${p.name ?? "(no name)"}').`);
      }
    }),
  ]),
};

export const githubEnvironmentPolicies = [
  environmentRequiresReviewers,
  environmentAdminsCannotBypass,
  environmentBranchesRestricted,
  environmentDeploymentBranchAllowed,
] as const;
