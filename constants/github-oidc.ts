/**
 * GitHub Actions OIDC as Entra ID federated identity credentials see it: the constants, and a pure
 * parser and formatter of GitHub `sub` claims. Shared by `GithubOidcPrincipal` (which refuses a
 * malformed subject before creating anything) and the policy pack (which judges any program's
 * subjects); it imports nothing, so the pack stays free of the components.
 *
 * Subject grammar (https://docs.github.com/en/actions/reference/security/oidc):
 * - default template: `repo:<repository>:<context>`, context being `environment:<name>`,
 *   `ref:<git ref>` or `pull_request`;
 * - customized template (`include_claim_keys` set on the org or repository): the keys in order,
 *   each written `key:value`, except `context`, written as the default context is;
 * - `<repository>` is `OWNER/REPO`, or with immutable ids `OWNER@OWNER_ID/REPO@REPO_ID` (the form
 *   GitHub's docs PR and observed tokens use). GitHub's changelog showed `OWNER-OWNER_ID/REPO-REPO_ID`;
 *   that form is indistinguishable from a plain name and parses as one.
 */

/** The issuer of GitHub.com Actions tokens. */
export const githubActionsIssuer = "https://token.actions.githubusercontent.com";

/** The audience Entra ID expects on a token exchanged for an access token. */
export const azureTokenExchangeAudience = "api://AzureADTokenExchange";

/** Entra ID accepts at most 20 federated identity credentials on one application or identity. */
export const maxFederatedCredentialsPerApplication = 20;

/** Entra ID's limit on the length of a federated credential's subject. */
export const maxSubjectLength = 600;

/** How a repository appears in the `repo` claim. */
export type GithubRepositoryRef =
  | { readonly kind: "name"; readonly owner: string; readonly name: string }
  | {
      readonly kind: "immutable";
      readonly owner: string;
      readonly ownerId: string;
      readonly name: string;
      readonly repositoryId: string;
    };

/** What a workflow run is doing when the token was issued (the default template's context). */
export type GithubSubjectContext =
  | { readonly kind: "environment"; readonly environment: string }
  | { readonly kind: "branch"; readonly branch: string }
  | { readonly kind: "tag"; readonly tag: string }
  | { readonly kind: "ref"; readonly ref: string }
  | { readonly kind: "pull_request" };

export interface GithubSubjectClaim {
  readonly key: string;
  /** Absent only for `pull_request`, which GitHub writes without a value. */
  readonly value?: string;
}

export interface ParsedGithubSubject {
  /** Every claim in the order written. */
  readonly claims: readonly GithubSubjectClaim[];
  /** From the `repo` claim, when present. */
  readonly repository?: GithubRepositoryRef;
  readonly context?: GithubSubjectContext;
  /** `default` when the subject is exactly `repo:...:<context>`. */
  readonly template: "default" | "custom";
}

export type GithubSubjectParse =
  | { readonly ok: true; readonly subject: ParsedGithubSubject }
  | { readonly ok: false; readonly error: string };

const ownerPattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const repoNamePattern = /^[A-Za-z0-9._-]{1,100}$/;
const idPattern = /^[1-9][0-9]{0,19}$/;
const claimKeyPattern = /^[a-z][a-z0-9_]{0,63}$/;
/** Environment names: GitHub allows up to 255 characters; `:` would make the subject ambiguous. */
const environmentPattern = /^[A-Za-z0-9._-](?:[A-Za-z0-9._ -]{0,253}[A-Za-z0-9._-])?$/;
const wildcardCharacters = /[*?[\]{}]/;
// Control characters and the characters git refuses in ref names (git-check-ref-format).
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const badRefCharacters = /[\u0000-\u0020\u007f~^:?*[\\]/;

function validOwner(owner: string): boolean {
  return ownerPattern.test(owner);
}

function validRepoName(name: string): boolean {
  return repoNamePattern.test(name) && name !== "." && name !== "..";
}

/** A git ref GitHub can put in a token: `refs/...`, no empty or dot segments, no forbidden characters. */
export function isValidGitRef(ref: string): boolean {
  if (!ref.startsWith("refs/") || ref.length > 255 || badRefCharacters.test(ref)) return false;
  if (ref.endsWith("/") || ref.endsWith(".") || ref.endsWith(".lock") || ref.includes("..") || ref.includes("@{")) return false;
  return ref
    .slice("refs/".length)
    .split("/")
    .every((segment) => segment.length > 0 && !segment.startsWith("."));
}

/** True when `name` can be a GitHub environment name in a subject. */
export function isValidEnvironmentName(name: string): boolean {
  return environmentPattern.test(name);
}

/** Parses `OWNER/REPO`, the form a caller names a repository in; `undefined` when malformed. */
export function parseGithubRepository(text: string): { owner: string; name: string } | undefined {
  const parts = text.split("/");
  if (parts.length !== 2) return undefined;
  const [owner = "", name = ""] = parts;
  return validOwner(owner) && validRepoName(name) ? { owner, name } : undefined;
}

/** Parses the value of a `repo` claim: `OWNER/REPO` or `OWNER@OWNER_ID/REPO@REPO_ID`. */
export function parseRepositoryClaim(value: string): GithubRepositoryRef | string {
  if (wildcardCharacters.test(value)) return `the repository "${value}" must not contain wildcards`;
  const parts = value.split("/");
  if (parts.length !== 2) return `the repository "${value}" must be OWNER/REPO`;
  const [ownerPart = "", repoPart = ""] = parts;
  const ownerAt = ownerPart.split("@");
  const repoAt = repoPart.split("@");
  if (ownerAt.length === 1 && repoAt.length === 1) {
    if (!validOwner(ownerPart)) return `the repository owner "${ownerPart}" is not a GitHub account name`;
    if (!validRepoName(repoPart)) return `the repository name "${repoPart}" is not a GitHub repository name`;
    return { kind: "name", owner: ownerPart, name: repoPart };
  }
  if (ownerAt.length !== 2 || repoAt.length !== 2) {
    return `the repository "${value}" must be OWNER/REPO or OWNER@OWNER_ID/REPO@REPO_ID`;
  }
  const [owner = "", ownerId = ""] = ownerAt;
  const [name = "", repositoryId = ""] = repoAt;
  if (!validOwner(owner)) return `the repository owner "${owner}" is not a GitHub account name`;
  if (!validRepoName(name)) return `the repository name "${name}" is not a GitHub repository name`;
  if (!idPattern.test(ownerId)) return `the owner id "${ownerId}" must be a positive integer`;
  if (!idPattern.test(repositoryId)) return `the repository id "${repositoryId}" must be a positive integer`;
  return { kind: "immutable", owner, ownerId, name, repositoryId };
}

/** The context a `ref` claim denotes. */
function refContext(ref: string): GithubSubjectContext {
  if (ref.startsWith("refs/heads/")) return { kind: "branch", branch: ref.slice("refs/heads/".length) };
  if (ref.startsWith("refs/tags/")) return { kind: "tag", tag: ref.slice("refs/tags/".length) };
  return { kind: "ref", ref };
}

/**
 * Parses a GitHub Actions `sub` claim. Never throws: a malformed subject gives `{ ok: false }` with
 * the reason. Parsing checks the shape only; `githubSubjectProblems` says whether it is pinned.
 */
export function parseGithubSubject(subject: string): GithubSubjectParse {
  const fail = (error: string): GithubSubjectParse => ({ ok: false, error });
  if (typeof subject !== "string" || subject.length === 0) return fail("the subject is empty");
  if (subject.length > maxSubjectLength) return fail(`the subject is longer than ${maxSubjectLength} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(subject)) return fail("the subject contains control characters");
  const tokens = subject.split(":");
  const claims: GithubSubjectClaim[] = [];
  let repository: GithubRepositoryRef | undefined;
  // `environment` and `ref` may be written twice in a customized template (once for `context`,
  // once as their own key): both come from the same run, so the values must agree.
  const seen = new Map<string, string>();
  let environment: string | undefined;
  let ref: string | undefined;
  let pullRequest = false;
  let i = 0;
  while (i < tokens.length) {
    const key = tokens[i] ?? "";
    if (!claimKeyPattern.test(key)) {
      return fail(key === "" ? `claim ${claims.length + 1} has an empty key` : `"${key}" is not a claim key (lower-case letters, digits, underscores)`);
    }
    if (key === "pull_request") {
      if (pullRequest) return fail('the claim "pull_request" appears twice');
      pullRequest = true;
      claims.push({ key });
      i += 1;
      continue;
    }
    const value = tokens[i + 1];
    if (value === undefined) return fail(`the claim "${key}" has no value`);
    if (value.length === 0) return fail(`the claim "${key}" has an empty value`);
    if (value !== value.trim()) return fail(`the value of "${key}" starts or ends with a space`);
    const earlier = seen.get(key);
    if (earlier !== undefined && (earlier !== value || (key !== "environment" && key !== "ref"))) {
      return fail(earlier === value ? `the claim "${key}" appears twice` : `the claim "${key}" appears twice with different values`);
    }
    seen.set(key, value);
    switch (key) {
      case "repo": {
        const parsed = parseRepositoryClaim(value);
        if (typeof parsed === "string") return fail(parsed);
        repository = parsed;
        break;
      }
      case "environment":
        if (!isValidEnvironmentName(value)) return fail(`the environment "${value}" is not a valid environment name`);
        environment = value;
        break;
      case "ref":
        if (!isValidGitRef(value)) return fail(`the ref "${value}" is not a git ref (refs/heads/..., refs/tags/...)`);
        ref = value;
        break;
      default:
        break;
    }
    claims.push({ key, value });
    i += 2;
  }
  // GitHub's context precedence: a job in an environment gets the environment; otherwise a
  // pull_request event gets pull_request; otherwise the ref. A pull_request context beside an
  // environment cannot come from one token.
  if (pullRequest && environment !== undefined) {
    return fail("the subject has both an environment and pull_request, which no token carries");
  }
  const context: GithubSubjectContext | undefined =
    environment !== undefined
      ? { kind: "environment", environment }
      : pullRequest
        ? { kind: "pull_request" }
        : ref !== undefined
          ? refContext(ref)
          : undefined;
  const template =
    claims.length === 2 && claims[0]?.key === "repo" && context !== undefined && claims[1]?.key !== "repo" ? "default" : "custom";
  return { ok: true, subject: { claims, repository, context, template } };
}

/** Claims that tie a subject to one repository. */
const repositoryClaims = ["repo", "repository", "repository_id"];

/**
 * Why a subject does not trust exactly one repository in one pinned context, as sentences; empty
 * when it does. Wildcards are refused even though Entra matches subjects exactly: a `*` shows the
 * author meant "any", which a flexible credential or another cloud would grant.
 */
export function githubSubjectProblems(subject: string): string[] {
  const problems: string[] = [];
  let shape = subject;
  if (typeof subject === "string" && wildcardCharacters.test(subject)) {
    problems.push("it contains a wildcard");
    // Judge the rest of the shape as if each wildcard were a literal character.
    shape = subject.replace(new RegExp(wildcardCharacters.source, "g"), "x");
  }
  const parsed = parseGithubSubject(shape);
  // `in` narrows the union under any compiler settings (the pack runs with ts-node's defaults).
  if ("error" in parsed) return [...problems, parsed.error];
  const s = parsed.subject;
  if (!s.claims.some((c) => repositoryClaims.includes(c.key))) {
    problems.push("it does not name one repository (repo, repository or repository_id claim)");
  }
  const repositoryValue = s.claims.find((c) => c.key === "repository")?.value;
  if (repositoryValue !== undefined && parseGithubRepository(repositoryValue) === undefined) {
    problems.push(`the repository claim "${repositoryValue}" must be OWNER/REPO`);
  }
  for (const key of ["repository_id", "repository_owner_id"]) {
    const value = s.claims.find((c) => c.key === key)?.value;
    if (value !== undefined && !idPattern.test(value)) problems.push(`the ${key} claim "${value}" must be a positive integer`);
  }
  if (s.context === undefined) {
    problems.push("it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches");
  }
  return problems;
}

/** Which repository form to write in the `repo` claim. */
export type GithubSubjectRepository =
  | { readonly kind: "name"; readonly owner: string; readonly name: string }
  | {
      readonly kind: "immutable";
      readonly owner: string;
      readonly name: string;
      readonly ownerId: number | string;
      readonly repositoryId: number | string;
      /** `@` (GitHub's docs PR, observed in tokens) or `-` (GitHub's changelog example). @default "@" */
      readonly delimiter?: "@" | "-";
    };

export interface GithubSubjectSpec {
  readonly repository: GithubSubjectRepository;
  readonly context: GithubSubjectContext;
  /**
   * The org's or repository's `include_claim_keys`, when it customizes the subject; `context`
   * stands for the default context. @default undefined (GitHub's default template)
   */
  readonly claimKeys?: readonly string[];
  /** Values of customized claims that cannot be derived from the repository and context. */
  readonly claimValues?: Readonly<Record<string, string>>;
}

/** Formats the `repo` claim's value. */
export function formatRepositoryClaim(repository: GithubSubjectRepository): string {
  if (repository.kind === "name") return `${repository.owner}/${repository.name}`;
  const d = repository.delimiter ?? "@";
  return `${repository.owner}${d}${repository.ownerId}/${repository.name}${d}${repository.repositoryId}`;
}

/** Formats a context as GitHub writes it in the default template. */
export function formatContext(context: GithubSubjectContext): string {
  switch (context.kind) {
    case "environment":
      return `environment:${context.environment}`;
    case "branch":
      return `ref:refs/heads/${context.branch}`;
    case "tag":
      return `ref:refs/tags/${context.tag}`;
    case "ref":
      return `ref:${context.ref}`;
    case "pull_request":
      return "pull_request";
  }
}

function derivedClaim(key: string, spec: GithubSubjectSpec): string | undefined {
  const r = spec.repository;
  const c = spec.context;
  switch (key) {
    case "repository":
      return `${r.owner}/${r.name}`;
    case "repository_owner":
      return r.owner;
    case "repository_id":
      return r.kind === "immutable" ? String(r.repositoryId) : undefined;
    case "repository_owner_id":
      return r.kind === "immutable" ? String(r.ownerId) : undefined;
    case "environment":
      return c.kind === "environment" ? c.environment : undefined;
    case "ref":
      return c.kind === "branch" ? `refs/heads/${c.branch}` : c.kind === "tag" ? `refs/tags/${c.tag}` : c.kind === "ref" ? c.ref : undefined;
    case "ref_type":
      return c.kind === "branch" ? "branch" : c.kind === "tag" ? "tag" : undefined;
    default:
      return undefined;
  }
}

/**
 * Writes the subject GitHub will put in the token of a run in `context`. Throws an Error naming
 * what is missing when a customized claim has no value; the result always parses and is pinned
 * when the inputs are well formed (`githubSubjectProblems` is the final check).
 */
export function formatGithubSubject(spec: GithubSubjectSpec): string {
  const keys = spec.claimKeys ?? ["repo", "context"];
  const parts: string[] = [];
  for (const key of keys) {
    if (key === "repo") parts.push(`repo:${formatRepositoryClaim(spec.repository)}`);
    else if (key === "context") parts.push(formatContext(spec.context));
    else {
      const value = spec.claimValues?.[key] ?? derivedClaim(key, spec);
      if (value === undefined) throw new Error(`the customized claim "${key}" needs a value (claimValues.${key})`);
      parts.push(`${key}:${value}`);
    }
  }
  return parts.join(":");
}
