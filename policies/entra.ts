import {
  validateResourceOfType,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { azuread, managedidentity } from "./lib/type-tokens";
import {
  azureTokenExchangeAudience,
  githubActionsIssuer,
  githubSubjectProblems,
  maxFederatedCredentialsPerApplication,
  parseGithubSubject,
} from "../constants/github-oidc";
import { builtInRoleOf, readOnlyRoles } from "../constants/roles";
import { mapped } from "./lib/metadata";
import { lowerCaseProp } from "./lib/stack";
import { anyOfTypes, stackOfTypes } from "./lib/types";
import { knobsOf } from "./lib/config";

// Entra ID: identities without secrets. Applications and service principals authenticate through
// federated identity credentials only; those trust GitHub's issuer, the token-exchange audience
// and one pinned workflow context. Checkov's CKV_AZURE_249 accepts `repo:org/*` (its repository
// pattern is `[^/]+`) and refuses the immutable-id subjects (`repo:owner@123/repo@456:...`); these
// parse the subject instead (constants/github-oidc.ts).

const credentialSecretMessage = "use a federated identity credential (OIDC) or a managed identity instead";

export const applicationPasswordForbidden: ResourceValidationPolicy = {
  name: "azuread-application-password-forbidden",
  description:
    "Applications and service principals must not have passwords (client secrets): a secret can be copied, leaks " +
    "from CI logs and lives until it expires. GitHub Actions and workloads authenticate with federated credentials.",
  severity: "critical",
  remediationSteps:
    "Remove the password; give the application an `ApplicationFederatedIdentityCredential` (GithubOidcPrincipal does) " +
    "and log in with `azure/login` and `permissions: id-token: write`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    tags: ["entra", "identity", "secrets"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(azuread.ApplicationPassword, (_password, _args, report) => {
      report(`The application password must not be created; ${credentialSecretMessage}.`);
    }),
    validateResourceOfType(azuread.ServicePrincipalPassword, (_password, _args, report) => {
      report(`The service principal password must not be created; ${credentialSecretMessage}.`);
    }),
    validateResourceOfType(azuread.Application, (application, _args, report) => {
      if (application.password !== undefined && application.password !== null) {
        report(`The application must not define a password; ${credentialSecretMessage}.`);
      }
    }),
  ]),
};

export const applicationCertificateForbidden: ResourceValidationPolicy = {
  name: "azuread-application-certificate-forbidden",
  description:
    "Applications and service principals must not have certificate credentials: the private key is a long-lived " +
    "secret held outside Entra ID. Use federated credentials or managed identities.",
  severity: "high",
  remediationSteps: "Remove the certificate credential; use a federated identity credential or a managed identity.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    tags: ["entra", "identity", "secrets"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(azuread.ApplicationCertificate, (_certificate, _args, report) => {
      report(`The application certificate must not be created; ${credentialSecretMessage}.`);
    }),
    validateResourceOfType(azuread.ServicePrincipalCertificate, (_certificate, _args, report) => {
      report(`The service principal certificate must not be created; ${credentialSecretMessage}.`);
    }),
  ]),
};

/** AKS clusters' workload identity issuers, allowed beside GitHub's when `allowAksIssuers` is on. */
const aksIssuerPattern = /^https:\/\/[a-z0-9-]+\.oic\.prod-aks\.azure\.com\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/?$/;

interface IssuerConfig {
  allowedIssuers?: string[];
  allowAksIssuers?: boolean;
}

export const federatedCredentialTrustedIssuer: ResourceValidationPolicy = {
  name: "azuread-federated-credential-trusted-issuer",
  description:
    "Federated identity credentials must trust only known token issuers: GitHub Actions " +
    `(${githubActionsIssuer}) and, when allowed, the platform's AKS clusters' OIDC issuers.`,
  severity: "critical",
  remediationSteps:
    `Set \`issuer: "${githubActionsIssuer}"\`; add a GitHub Enterprise Server issuer to this policy's \`allowedIssuers\` ` +
    "(and to `githubIssuers` of azuread-federated-credential-pinned-subject).",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0013"],
    nist: ["GOVERN-6.1", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_249"],
    tags: ["entra", "identity", "oidc"],
  }),
  configSchema: {
    properties: {
      allowedIssuers: { type: "array", items: { type: "string" }, default: [githubActionsIssuer], description: "Issuers that may be trusted." },
      allowAksIssuers: { type: "boolean", default: true, description: "Also trust AKS OIDC issuers (workload identity)." },
    },
  },
  validateResource: anyOfTypes([azuread.ApplicationFederatedIdentityCredential, azuread.ApplicationFlexibleFederatedIdentityCredential, managedidentity.FederatedIdentityCredential].map((type) =>
    validateResourceOfType(type as typeof azuread.ApplicationFederatedIdentityCredential, (credential, args, report) => {
      const { allowedIssuers, allowAksIssuers } = knobsOf<Required<IssuerConfig>>(federatedCredentialTrustedIssuer, args);
      const issuer: unknown = credential.issuer;
      if (typeof issuer === "string" && (allowedIssuers.includes(issuer) || (allowAksIssuers && aksIssuerPattern.test(issuer)))) return;
      report(`The federated credential must trust an allowed issuer (${allowedIssuers.join(", ")}${allowAksIssuers ? " or an AKS OIDC issuer" : ""}), not ${JSON.stringify(issuer ?? null)}.`);
    }),
  )),
};

export const federatedCredentialExchangeAudience: ResourceValidationPolicy = {
  name: "azuread-federated-credential-exchange-audience",
  description: `Federated identity credentials must accept only the Entra token-exchange audience (${azureTokenExchangeAudience}).`,
  severity: "high",
  remediationSteps: `Set \`audiences: ["${azureTokenExchangeAudience}"]\` (sovereign clouds: set this policy's \`allowedAudiences\`).`,
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    checkov: ["CKV_AZURE_249"],
    tags: ["entra", "identity", "oidc"],
  }),
  configSchema: {
    properties: {
      allowedAudiences: { type: "array", items: { type: "string" }, default: [azureTokenExchangeAudience], description: "Audiences that may be accepted." },
    },
  },
  validateResource: anyOfTypes([
    validateResourceOfType(azuread.ApplicationFederatedIdentityCredential, (credential, args, report) => {
      const { allowedAudiences } = knobsOf<{ allowedAudiences: string[] }>(federatedCredentialExchangeAudience, args);
      const audiences: unknown[] = Array.isArray(credential.audiences) ? credential.audiences : [];
      if (audiences.length === 1 && allowedAudiences.includes(String(audiences[0]))) return;
      report(`The federated credential must accept exactly one audience, ${allowedAudiences.join(" or ")} (got ${JSON.stringify(audiences)}).`);
    }),
    validateResourceOfType(managedidentity.FederatedIdentityCredential, (credential, args, report) => {
      const { allowedAudiences } = knobsOf<{ allowedAudiences: string[] }>(federatedCredentialExchangeAudience, args);
      const audiences: unknown[] = Array.isArray(credential.audiences) ? credential.audiences : [];
      if (audiences.length === 1 && allowedAudiences.includes(String(audiences[0]))) return;
      report(`The federated credential must accept exactly one audience, ${allowedAudiences.join(" or ")} (got ${JSON.stringify(audiences)}).`);
    }),
    validateResourceOfType(azuread.ApplicationFlexibleFederatedIdentityCredential, (credential, args, report) => {
      const { allowedAudiences } = knobsOf<{ allowedAudiences: string[] }>(federatedCredentialExchangeAudience, args);
      if (typeof credential.audience === "string" && allowedAudiences.includes(credential.audience)) return;
      report(`The federated credential must accept exactly one audience, ${allowedAudiences.join(" or ")} (got ${JSON.stringify(credential.audience ?? null)}).`);
    }),
  ]),
};

interface SubjectConfig {
  githubIssuers?: string[];
  allowedOwners?: string[];
}

/** Why a credential's subject is refused, or undefined; GitHub subjects are parsed, others only checked for wildcards. */
function subjectVerdict(issuer: unknown, subject: unknown, config: Required<SubjectConfig>): string | undefined {
  const { githubIssuers, allowedOwners } = config;
  const text = typeof subject === "string" ? subject : "";
  if (typeof issuer !== "string" || !githubIssuers.includes(issuer)) {
    if (text.length === 0) return "The federated credential must have a subject.";
    return /[*?]/.test(text) ? `The federated credential subject ${JSON.stringify(text)} must not contain wildcards.` : undefined;
  }
  const problems = githubSubjectProblems(text);
  if (problems.length > 0) {
    return `The federated credential must trust one GitHub repository in one pinned context; the subject ${JSON.stringify(text)} is refused: ${problems.join("; ")}.`;
  }
  if (allowedOwners.length > 0) {
    const parsed = parseGithubSubject(text);
    const owner = "subject" in parsed
      ? (parsed.subject.repository?.owner ??
        parsed.subject.claims.find((c) => c.key === "repository")?.value?.split("/")[0] ??
        parsed.subject.claims.find((c) => c.key === "repository_owner")?.value)
      : undefined;
    if (owner === undefined || !allowedOwners.some((o) => o.toLowerCase() === owner.toLowerCase())) {
      return `The federated credential must trust a repository of ${allowedOwners.join(", ")}; the subject ${JSON.stringify(text)} names ${owner === undefined ? "no owner" : `"${owner}"`}.`;
    }
  }
  return undefined;
}

export const federatedCredentialPinnedSubject: ResourceValidationPolicy = {
  name: "azuread-federated-credential-pinned-subject",
  description:
    "GitHub federated credentials must trust one repository (by name or by immutable ids) in one pinned context " +
    "(an environment, a ref or pull_request), without wildcards; flexible (claims-matching) credentials are refused " +
    "for GitHub. Better than Checkov CKV_AZURE_249, which accepts `repo:org/*` and refuses immutable-id subjects.",
  severity: "critical",
  remediationSteps:
    "Use `repo:OWNER/REPO:environment:NAME` (or the immutable form `repo:OWNER@OWNER_ID/REPO@REPO_ID:environment:NAME`), " +
    "one credential per context; GithubOidcPrincipal builds these from `federatedCredentials`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0013"],
    nist: ["GOVERN-6.1", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_249"],
    tags: ["entra", "identity", "oidc", "github"],
  }),
  configSchema: {
    properties: {
      githubIssuers: { type: "array", items: { type: "string" }, default: [githubActionsIssuer], description: "Issuers whose subjects are GitHub subjects." },
      allowedOwners: { type: "array", items: { type: "string" }, default: [], description: "GitHub owners whose repositories may be trusted (empty: any)." },
    },
  },
  validateResource: anyOfTypes([
    validateResourceOfType(azuread.ApplicationFederatedIdentityCredential, (credential, args, report) => {
      const verdict = subjectVerdict(credential.issuer, credential.subject, knobsOf<Required<SubjectConfig>>(federatedCredentialPinnedSubject, args));
      if (verdict !== undefined) report(verdict);
    }),
    validateResourceOfType(managedidentity.FederatedIdentityCredential, (credential, args, report) => {
      const verdict = subjectVerdict(credential.issuer, credential.subject, knobsOf<Required<SubjectConfig>>(federatedCredentialPinnedSubject, args));
      if (verdict !== undefined) report(verdict);
    }),
    validateResourceOfType(azuread.ApplicationFlexibleFederatedIdentityCredential, (credential, args, report) => {
      const { githubIssuers } = knobsOf<Required<SubjectConfig>>(federatedCredentialPinnedSubject, args);
      if (typeof credential.issuer === "string" && githubIssuers.includes(credential.issuer)) {
        report("The flexible federated credential must not trust GitHub: its claims expression matches many workflow runs; use one pinned subject per context.");
      }
    }),
  ]),
};

const types = {
  ficApp: "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  ficIdentity: "azure-native:managedidentity:FederatedIdentityCredential",
  application: ["azuread:index/application:Application", "azuread:index/applicationRegistration:ApplicationRegistration"],
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  roleAssignment: "azure-native:authorization:RoleAssignment",
} as const;

/**
 * True when `dependent.props[property]` comes from `target`: the engine recorded the dependency,
 * or the value equals one of the target's identifying outputs (a program may paste ids).
 */
function linked(dependent: PolicyResource, property: string, target: PolicyResource, keys: readonly string[]): boolean {
  if (dependent.propertyDependencies[property]?.some((d) => d.urn === target.urn)) return true;
  const value = lowerCaseProp(dependent, property);
  if (value === undefined || value.length === 0) return false;
  return keys.some((k) => lowerCaseProp(target, k) === value);
}

/** The principals (service principals or identities) a federated credential lets in. */
function principalsOf(credential: PolicyResource, resources: readonly PolicyResource[]): PolicyResource[] {
  if (credential.type === types.ficIdentity) {
    return resources.filter((r) => r.type === types.identity && linked(credential, "resourceName", r, ["name", "resourceName"]));
  }
  const apps = resources.filter((r) => (types.application as readonly string[]).includes(r.type) && linked(credential, "applicationId", r, ["id"]));
  return resources.filter((r) => r.type === types.servicePrincipal && apps.some((a) => linked(r, "clientId", a, ["clientId"])));
}

/** A role assignment writes unless its role is a known read-only built-in role. */
function writeRoleOf(assignment: PolicyResource): string | undefined {
  const id: unknown = assignment.props["roleDefinitionId"];
  const role = typeof id === "string" ? builtInRoleOf(id) : undefined;
  if (role !== undefined && readOnlyRoles.includes(role)) return undefined;
  return role ?? (typeof id === "string" ? `the custom role ${id.split("/").pop() ?? id}` : "an unknown role");
}

export const federatedCredentialWriterEnvironmentSubject: StackValidationPolicy = {
  name: "azuread-federated-credential-writer-environment-subject",
  description:
    "A GitHub federated credential whose principal holds a role that writes (anything but Reader-like roles) must " +
    "trust a GitHub environment subject only, so that the environment's protection rules (reviewers, branch " +
    "policies) gate every token; not pull_request, not a branch or tag. The strict pack is production's.",
  severity: "high",
  remediationSteps:
    "Trust `repo:OWNER/REPO:environment:NAME` and protect that environment in GitHub (required reviewers, deployment " +
    "branches); keep pull-request and branch credentials on a separate principal with read-only roles.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019", "AML.M0013"],
    nist: ["GOVERN-6.1", "MEASURE-2.7"],
    checkov: ["CKV_AZURE_249"],
    tags: ["entra", "identity", "oidc", "github", "production"],
  }),
  configSchema: {
    properties: {
      githubIssuers: { type: "array", items: { type: "string" }, default: [githubActionsIssuer], description: "Issuers whose subjects are GitHub subjects." },
    },
  },
  validateStack: stackOfTypes([types.ficApp, types.ficIdentity], (args, report) => {
    const { githubIssuers } = knobsOf<{ githubIssuers: string[] }>(federatedCredentialWriterEnvironmentSubject, args);
    const assignments = args.resources.filter((r) => r.type === types.roleAssignment);
    for (const credential of args.resources.filter((r) => r.type === types.ficApp || r.type === types.ficIdentity)) {
      if (!githubIssuers.includes(String(credential.props["issuer"]))) continue;
      const subject = String(credential.props["subject"] ?? "");
      const parsed = parseGithubSubject(subject);
      if ("subject" in parsed && parsed.subject.context?.kind === "environment") continue;
      for (const principal of principalsOf(credential, args.resources)) {
        const writes = assignments
          .filter((a) => linked(a, "principalId", principal, ["objectId", "principalId"]))
          .map(writeRoleOf)
          .filter((role): role is string => role !== undefined);
        if (writes.length === 0) continue;
        report(
          `The federated credential '${credential.name}' must trust a GitHub environment subject (repo:OWNER/REPO:environment:NAME), ` +
            `since '${principal.name}' holds ${[...new Set(writes)].join(", ")}; ${JSON.stringify(subject)} does not.`,
          credential.urn,
        );
        break;
      }
    }
  }),
};

export const federatedCredentialLimit: StackValidationPolicy = {
  name: "azuread-application-federated-credential-limit",
  description: `An application or managed identity may have at most ${maxFederatedCredentialsPerApplication} federated identity credentials (Entra ID's limit); more fail at deployment.`,
  severity: "medium",
  remediationSteps: "Split the trusted contexts across several principals, one per purpose (deploy-staging, deploy-prod, sign-models).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["MEASURE-2.7"],
    tags: ["entra", "identity", "oidc"],
  }),
  // Without a federated credential no owner can exceed the limit.
  validateStack: stackOfTypes([types.ficApp, types.ficIdentity], (args, report) => {
    const owners = args.resources.filter((r) => (types.application as readonly string[]).includes(r.type) || r.type === types.identity);
    for (const owner of owners) {
      const count = args.resources.filter(
        (r) =>
          (r.type === types.ficApp && linked(r, "applicationId", owner, ["id"])) ||
          (r.type === types.ficIdentity && linked(r, "resourceName", owner, ["name", "resourceName"])),
      ).length;
      if (count > maxFederatedCredentialsPerApplication) {
        report(`'${owner.name}' must have at most ${maxFederatedCredentialsPerApplication} federated identity credentials (it has ${count}).`, owner.urn);
      }
    }
  }),
};

export const groupSecurityEnabled: ResourceValidationPolicy = {
  name: "azuread-group-security-enabled",
  description: "Entra ID groups created by the platform must be security groups (security-enabled, not Microsoft 365 groups), so they can hold Azure roles.",
  severity: "medium",
  remediationSteps: "Set `securityEnabled: true` and leave `types` without \"Unified\".",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4"],
    tags: ["entra", "identity", "groups"],
  }),
  validateResource: anyOfTypes([azuread.Group, azuread.GroupWithoutMembers].map((type) =>
    validateResourceOfType(type as typeof azuread.Group, (group, _args, report) => {
      if (group.securityEnabled !== true) {
        report("The group must be security-enabled.");
      } else if (Array.isArray(group.types) && group.types.some((t) => String(t).toLowerCase() === "unified")) {
        report("The group must be a security group, not a Microsoft 365 (Unified) group.");
      }
    }),
  )),
};

export const groupOwnerPresent: ResourceValidationPolicy = {
  name: "azuread-group-owner-present",
  description: "Entra ID groups must have at least one owner, who answers for membership and access reviews.",
  severity: "medium",
  remediationSteps: "Set `owners` to the object ids of the accountable people or the deploying service principal (AccessGroups adds it).",
  ...mapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4"],
    tags: ["entra", "identity", "groups"],
  }),
  validateResource: anyOfTypes([azuread.Group, azuread.GroupWithoutMembers].map((type) =>
    validateResourceOfType(type as typeof azuread.Group, (group, _args, report) => {
      if (!Array.isArray(group.owners) || group.owners.length === 0) {
        report("The group must have at least one owner.");
      }
    }),
  )),
};

export const entraPolicies: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
  applicationPasswordForbidden,
  applicationCertificateForbidden,
  federatedCredentialTrustedIssuer,
  federatedCredentialExchangeAudience,
  federatedCredentialPinnedSubject,
  federatedCredentialWriterEnvironmentSubject,
  federatedCredentialLimit,
  groupSecurityEnabled,
  groupOwnerPresent,
];
