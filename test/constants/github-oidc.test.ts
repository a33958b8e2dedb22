import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatGithubSubject,
  githubSubjectProblems,
  parseGithubRepository,
  parseGithubSubject,
  type GithubSubjectContext,
  type GithubSubjectRepository,
} from "../../constants/github-oidc";

// Arbitraries of well-formed parts, as GitHub allows them.
const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".split("");
const owner = fc
  .tuple(fc.constantFrom(...alnum), fc.array(fc.constantFrom(...alnum, "-"), { maxLength: 20 }))
  .map(([h, t]) => h + t.join(""));
const repoName = fc
  .array(fc.constantFrom(...alnum, "-", "_", "."), { minLength: 1, maxLength: 30 })
  .map((c) => c.join(""))
  .filter((n) => n !== "." && n !== "..");
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const segment = fc
  .tuple(fc.constantFrom(...alnum), fc.array(fc.constantFrom(...alnum, "-", "_", "."), { maxLength: 12 }))
  .map(([h, t]) => h + t.join(""))
  .filter((s) => !s.includes("..") && !s.endsWith(".") && !s.endsWith(".lock"));
const branch = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/"));
const environment = fc
  .tuple(fc.constantFrom(...alnum), fc.array(fc.constantFrom(...alnum, "-", "_", ".", " "), { maxLength: 20 }), fc.constantFrom(...alnum))
  .map(([h, m, t]) => h + m.join("") + t);

const repository: fc.Arbitrary<GithubSubjectRepository> = fc.oneof(
  fc.record({ kind: fc.constant("name" as const), owner, name: repoName }),
  fc.record({ kind: fc.constant("immutable" as const), owner, name: repoName, ownerId: id, repositoryId: id, delimiter: fc.constant("@" as const) }),
);
const context: fc.Arbitrary<GithubSubjectContext> = fc.oneof(
  environment.map((e) => ({ kind: "environment" as const, environment: e })),
  branch.map((b) => ({ kind: "branch" as const, branch: b })),
  branch.map((t) => ({ kind: "tag" as const, tag: t })),
  fc.constant({ kind: "pull_request" as const }),
);

describe("parseGithubSubject and formatGithubSubject", () => {
  it("parses back every subject it formats, with the same repository and context", () => {
    fc.assert(
      fc.property(repository, context, (repo, ctx) => {
        const subject = formatGithubSubject({ repository: repo, context: ctx });
        const parsed = parseGithubSubject(subject);
        if (!("subject" in parsed)) throw new Error(`${subject}: ${parsed.error}`);
        expect(parsed.subject.template).toBe("default");
        expect(parsed.subject.context).toEqual(ctx);
        const r = parsed.subject.repository;
        expect(r?.owner).toBe(repo.owner);
        expect(r?.name).toBe(repo.name);
        if (repo.kind === "immutable") {
          expect(r).toEqual({ kind: "immutable", owner: repo.owner, name: repo.name, ownerId: String(repo.ownerId), repositoryId: String(repo.repositoryId) });
        }
        expect(githubSubjectProblems(subject)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it("formats customized templates that parse back to the same context, keep their key order and stay pinned", () => {
    const keys = fc.subarray(["repository_owner_id", "repository_id", "job_workflow_ref", "environment", "ref_type"]);
    fc.assert(
      fc.property(repository, context, keys, fc.boolean(), (repo, ctx, wanted, repoFirst) => {
        // Only claims a run in this context carries: `environment` in an environment, `ref_type` on a ref.
        const extra = wanted.filter((k) => (k !== "environment" || ctx.kind === "environment") && (k !== "ref_type" || ctx.kind === "branch" || ctx.kind === "tag"));
        const claimKeys = repoFirst ? ["repo", "context", ...extra] : [...extra, "context", "repo"];
        const claimValues = { job_workflow_ref: "octo-org/workflows/.github/workflows/deploy.yml@refs/heads/main", repository_id: "42", repository_owner_id: "7" };
        const subject = formatGithubSubject({ repository: repo, context: ctx, claimKeys, claimValues: repo.kind === "name" ? claimValues : { job_workflow_ref: claimValues.job_workflow_ref } });
        const parsed = parseGithubSubject(subject);
        if (!("subject" in parsed)) throw new Error(`${subject}: ${parsed.error}`);
        expect(parsed.subject.context).toEqual(ctx);
        expect(parsed.subject.template).toBe(extra.length === 0 && repoFirst ? "default" : "custom");
        const contextKeys = ctx.kind === "environment" ? ["environment"] : ctx.kind === "pull_request" ? ["pull_request"] : ["ref"];
        const expected = claimKeys.flatMap((k) => (k === "context" ? contextKeys : [k]));
        expect(parsed.subject.claims.map((c) => c.key)).toEqual(expected);
        expect(githubSubjectProblems(subject)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (s) => {
        const parsed = parseGithubSubject(s);
        expect(typeof parsed.ok).toBe("boolean");
        expect(Array.isArray(githubSubjectProblems(s))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom("repo", "environment", "ref", "pull_request", "refs/heads/main", "a/b", "*", "", "x@1/y@2"), { maxLength: 8 }), (parts) => {
        const s = parts.join(":");
        expect(() => githubSubjectProblems(s)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses every subject that contains a wildcard", () => {
    fc.assert(
      fc.property(repository, context, fc.nat(), fc.constantFrom("*", "?", "[", "]", "{", "}"), (repo, ctx, at, wild) => {
        const subject = formatGithubSubject({ repository: repo, context: ctx });
        const i = at % (subject.length + 1);
        const mutated = subject.slice(0, i) + wild + subject.slice(i);
        expect(githubSubjectProblems(mutated)).toContain("it contains a wildcard");
      }),
      { numRuns: 500 },
    );
  });

  it("refuses every subject without a context", () => {
    fc.assert(
      fc.property(repository, (repo) => {
        const subject = `repo:${repo.kind === "name" ? `${repo.owner}/${repo.name}` : `${repo.owner}@${repo.ownerId}/${repo.name}@${repo.repositoryId}`}`;
        expect(githubSubjectProblems(subject)).toEqual([
          "it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches",
        ]);
      }),
    );
  });
});

describe("where Checkov CKV_AZURE_249 is weak", () => {
  it("refuses repo:org/* (Checkov lets it through)", () => {
    expect(githubSubjectProblems("repo:octo-org/*:ref:refs/heads/main")).toEqual(["it contains a wildcard"]);
    expect(githubSubjectProblems("repo:org/*")).toEqual([
      "it contains a wildcard",
      "it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches",
    ]);
  });
  it("accepts the immutable-id subjects (Checkov refuses them)", () => {
    expect(githubSubjectProblems("repo:octocat@123456/my-repo@456789:ref:refs/heads/main")).toEqual([]);
    expect(githubSubjectProblems("repo:octocat@123456/my-repo@456789:environment:prod")).toEqual([]);
    expect(githubSubjectProblems("repo:octocat-123456/my-repo-456789:environment:prod")).toEqual([]);
  });
  it("refuses a subject that trusts a whole owner through a customized template", () => {
    expect(githubSubjectProblems("repository_owner:octo-org")).toEqual([
      "it does not name one repository (repo, repository or repository_id claim)",
      "it does not pin a context (environment, ref or pull_request), so any workflow run of the repository matches",
    ]);
  });
  it("accepts customized subjects pinned by repository id and context", () => {
    expect(githubSubjectProblems("repository_owner_id:72338:repository_id:123456:environment:prod")).toEqual([]);
    expect(
      githubSubjectProblems("repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main"),
    ).toEqual([]);
  });
});

describe("malformed subjects", () => {
  const cases: [string, string][] = [
    ["", "the subject is empty"],
    ["repo:octo-org/octo-repo:ref:main", 'the ref "main" is not a git ref (refs/heads/..., refs/tags/...)'],
    ["repo:octo-org:environment:prod", 'the repository "octo-org" must be OWNER/REPO'],
    ["repo:octo-org/octo-repo:environment:prod:environment:dev", 'the claim "environment" appears twice with different values'],
    ["repo:octo-org/octo-repo:repo:octo-org/octo-repo:pull_request", 'the claim "repo" appears twice'],
    ["repo:octo-org/octo-repo:environment:prod:pull_request", "the subject has both an environment and pull_request, which no token carries"],
    ["repo:octo-org/octo-repo:environment:", 'the claim "environment" has an empty value'],
    ["repo:octo-org/octo-repo:environment", 'the claim "environment" has no value'],
    ["Repo:octo-org/octo-repo:pull_request", '"Repo" is not a claim key (lower-case letters, digits, underscores)'],
    ["repo:octo@x/repo@1:pull_request", 'the owner id "x" must be a positive integer'],
    ["repo:-octo/repo:pull_request", 'the repository owner "-octo" is not a GitHub account name'],
    ["repo:octo-org/octo-repo:ref:refs/heads/a..b", 'the ref "refs/heads/a..b" is not a git ref (refs/heads/..., refs/tags/...)'],
    ["repo:octo-org/octo-repo:environment: prod", 'the value of "environment" starts or ends with a space'],
  ];
  for (const [subject, error] of cases) {
    it(`refuses ${JSON.stringify(subject)}`, () => {
      expect(parseGithubSubject(subject)).toEqual({ ok: false, error });
    });
  }
  it("refuses a subject longer than Entra ID's 600 characters", () => {
    expect(parseGithubSubject(`repo:o/r:environment:${"e".repeat(600)}`)).toEqual({ ok: false, error: "the subject is longer than 600 characters" });
  });
});

describe("parseGithubRepository", () => {
  it("accepts OWNER/REPO and nothing else", () => {
    fc.assert(
      fc.property(owner, repoName, (o, n) => {
        expect(parseGithubRepository(`${o}/${n}`)).toEqual({ owner: o, name: n });
      }),
    );
    for (const bad of ["octo-org", "octo-org/", "/repo", "a/b/c", "octo org/repo", "octo-org/*", "octo-org/.."]) {
      expect(parseGithubRepository(bad), bad).toBeUndefined();
    }
  });
});

describe("formatGithubSubject with customized claims", () => {
  it("derives claims from the repository and context, and asks for the rest", () => {
    const repo: GithubSubjectRepository = { kind: "immutable", owner: "octo-org", name: "ml", ownerId: 7, repositoryId: 42 };
    expect(formatGithubSubject({ repository: repo, context: { kind: "environment", environment: "prod" }, claimKeys: ["repository_owner_id", "repository_id", "context"] })).toBe(
      "repository_owner_id:7:repository_id:42:environment:prod",
    );
    expect(() =>
      formatGithubSubject({ repository: repo, context: { kind: "environment", environment: "prod" }, claimKeys: ["repo", "context", "job_workflow_ref"] }),
    ).toThrow('the customized claim "job_workflow_ref" needs a value (claimValues.job_workflow_ref)');
  });
  it("writes the changelog's dash delimiter when asked", () => {
    const repo: GithubSubjectRepository = { kind: "immutable", owner: "octocat", name: "my-repo", ownerId: 123456, repositoryId: 456789, delimiter: "-" };
    expect(formatGithubSubject({ repository: repo, context: { kind: "branch", branch: "main" } })).toBe("repo:octocat-123456/my-repo-456789:ref:refs/heads/main");
  });
});
