/**
 * The files ProtectedRepository keeps in the repository: CODEOWNERS, the pre-commit configuration,
 * and the workflows its branch rules rely on (the policy preview, CodeQL, the source-branch check)
 * with Dependabot keeping their pinned actions current. Pure functions of the component's
 * arguments, so tests can read exactly what would be committed.
 */

/**
 * Actions the managed workflows use, pinned to full commit SHAs (the repository requires SHA
 * pinning); the tag is kept as a comment for Dependabot and people. Checked against the tags'
 * commits in public workflows that pin them.
 */
export const pinnedActions = {
  checkout: { uses: "actions/checkout@34e114876b0b11c390a56381ad16ebd13914f8d5", tag: "v4.3.1" },
  setupNode: { uses: "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020", tag: "v4.4.0" },
  codeqlInit: { uses: "github/codeql-action/init@9e907b5e64f6b83e7804b09294d44122997950d6", tag: "v4.32.3" },
  codeqlAnalyze: { uses: "github/codeql-action/analyze@9e907b5e64f6b83e7804b09294d44122997950d6", tag: "v4.32.3" },
  uploadSarif: { uses: "github/codeql-action/upload-sarif@9e907b5e64f6b83e7804b09294d44122997950d6", tag: "v4.32.3" },
  // The delivery workflows' (delivery-workflows.ts): each SHA is the commit its release tag points
  // to in the action's own repository, read from a clone (trivy-action's v0.36.0 is a signed tag).
  azureLogin: { uses: "azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", tag: "v3.0.1" },
  pulumi: { uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d", tag: "v7.0.0" },
  trivy: { uses: "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25", tag: "v0.36.0" },
  zapBaseline: { uses: "zaproxy/action-baseline@de8ad967d3548d44ef623df22cf95c3b0baf8b25", tag: "v0.15.0" },
} as const;

/** pre-commit hook repositories, frozen to the commits of their tags (`pre-commit autoupdate --freeze`). */
export const pinnedHooks = {
  preCommitHooks: { repo: "https://github.com/pre-commit/pre-commit-hooks", rev: "cef0300fd0fc4d2a87a85fa2093c6b283ea36f4b", tag: "v5.0.0" },
  gitleaks: { repo: "https://github.com/gitleaks/gitleaks", rev: "83d9cd684c87d95d656c1458ef04895a7f1cbd8e", tag: "v8.30.1" },
  ruff: { repo: "https://github.com/astral-sh/ruff-pre-commit", rev: "0c7b6c989466a93942def1f84baf36ddfcd60c83", tag: "v0.15.14" },
} as const;

/** The app id of GitHub Actions: a required check pinned to it cannot be faked by another app or a user's status. */
export const githubActionsAppId = 15368;

/** Job names the managed workflows report, which the branch rules require. */
export const managedCheckNames = {
  preview: "secure-mlops preview",
  sourceBranch: "secure-mlops source branch",
} as const;

const header = "# Managed by secure-mlops (ProtectedRepository). Change it through the stack; a hand edit is overwritten.\n";

/** One CODEOWNERS line: a gitignore-style path pattern and its owners (`@org/team`, `@user` or an email). */
export interface CodeOwnerRule {
  readonly pattern: string;
  readonly owners: readonly string[];
}

/** The default ownership: developers own the code, the admins team owns what governs it. */
export function defaultCodeOwners(owner: string, developers: string, admins: string): CodeOwnerRule[] {
  const dev = `@${owner}/${developers}`;
  const adm = `@${owner}/${admins}`;
  return [
    { pattern: "*", owners: [dev] },
    // Later lines win in CODEOWNERS: the files that change the rules need the admins team.
    { pattern: "/.github/", owners: [adm] },
    { pattern: "/.pre-commit-config.yaml", owners: [adm] },
    { pattern: "/stacks/", owners: [adm] },
    { pattern: "/policies/", owners: [adm] },
  ];
}

export function codeOwnersFile(rules: readonly CodeOwnerRule[]): string {
  const width = Math.max(...rules.map((r) => r.pattern.length));
  return header + rules.map((r) => `${r.pattern.padEnd(width)} ${r.owners.join(" ")}`).join("\n") + "\n";
}

/** Formatting and secret detection before a commit is made; the same checks GitHub runs after. */
export function defaultPreCommitConfig(): string {
  const h = pinnedHooks;
  return (
    header +
    `# Hooks are pinned to the commits of their tags; update with \`pre-commit autoupdate --freeze\`.
repos:
  - repo: ${h.preCommitHooks.repo}
    rev: ${h.preCommitHooks.rev}  # frozen: ${h.preCommitHooks.tag}
    hooks:
      - id: trailing-whitespace
      - id: end-of-file-fixer
      - id: check-yaml
      - id: check-json
      - id: check-merge-conflict
      - id: detect-private-key
      # Models and datasets belong in the registry, signed, not in git.
      - id: check-added-large-files
        args: [--maxkb=1024]
  - repo: ${h.gitleaks.repo}
    rev: ${h.gitleaks.rev}  # frozen: ${h.gitleaks.tag}
    hooks:
      - id: gitleaks
  - repo: ${h.ruff.repo}
    rev: ${h.ruff.rev}  # frozen: ${h.ruff.tag}
    hooks:
      - id: ruff-check
      - id: ruff-format
`
  );
}

/** The policy-pack preview every protected branch requires: offline, no cloud credentials. */
export function previewWorkflow(): string {
  const a = pinnedActions;
  return (
    header +
    `name: ${managedCheckNames.preview}
on:
  pull_request:
  merge_group:
permissions:
  contents: read
jobs:
  preview:
    name: ${managedCheckNames.preview}
    runs-on: ubuntu-latest
    steps:
      - uses: ${a.checkout.uses} # ${a.checkout.tag}
        with:
          persist-credentials: false
      - uses: ${a.setupNode.uses} # ${a.setupNode.tag}
        with:
          node-version: 22
      - run: npm ci --no-audit --no-fund
      - run: npx secure-mlops preview --stack dev --policy-config policies/config/dev.json
      - run: npx secure-mlops preview --stack staging --policy-config policies/config/staging.json
      - run: npx secure-mlops preview --stack prod
`
  );
}

/** CodeQL analysis (the provider cannot turn on CodeQL default setup, so the workflow is managed). */
export function codeqlWorkflow(languages: readonly string[], branches: readonly string[]): string {
  const a = pinnedActions;
  return (
    header +
    `name: CodeQL
on:
  push:
    branches: [${branches.map((b) => JSON.stringify(b)).join(", ")}]
  pull_request:
  schedule:
    - cron: "17 3 * * 1"
permissions: {}
jobs:
  analyze:
    name: analyze (\${{ matrix.language }})
    runs-on: ubuntu-latest
    permissions:
      actions: read
      contents: read
      security-events: write
    strategy:
      fail-fast: false
      matrix:
        language: [${languages.map((l) => JSON.stringify(l)).join(", ")}]
    steps:
      - uses: ${a.checkout.uses} # ${a.checkout.tag}
        with:
          persist-credentials: false
      - uses: ${a.codeqlInit.uses} # ${a.codeqlInit.tag}
        with:
          languages: \${{ matrix.language }}
          build-mode: none
          queries: security-extended
      - uses: ${a.codeqlAnalyze.uses} # ${a.codeqlAnalyze.tag}
        with:
          category: /language:\${{ matrix.language }}
`
  );
}

/**
 * The check that a pull request into a branch comes from an allowed branch of this repository
 * (production only from main): rulesets cannot say where a pull request comes from. A fork's
 * branch of the same name is refused by comparing the head repository.
 */
export function sourceBranchWorkflow(rules: readonly { readonly branch: string; readonly sources: readonly string[] }[]): string {
  const cases = rules.map((r) => `            ${r.sources.map((s) => `"${r.branch}:${s}"`).join("|")}) exit 0 ;;`).join("\n");
  return (
    header +
    `name: ${managedCheckNames.sourceBranch}
on:
  pull_request:
    branches: [${rules.map((r) => JSON.stringify(r.branch)).join(", ")}]
permissions: {}
jobs:
  source-branch:
    name: ${managedCheckNames.sourceBranch}
    runs-on: ubuntu-latest
    steps:
      - name: The pull request comes from an allowed branch of this repository
        env:
          BASE_REF: \${{ github.base_ref }}
          HEAD_REF: \${{ github.head_ref }}
          HEAD_REPO: \${{ github.event.pull_request.head.repo.full_name }}
          REPO: \${{ github.repository }}
        run: |
          if [ "$HEAD_REPO" != "$REPO" ]; then
            echo "::error::pull requests into $BASE_REF must come from a branch of $REPO, not from $HEAD_REPO"
            exit 1
          fi
          case "$BASE_REF:$HEAD_REF" in
${cases}
          esac
          echo "::error::pull requests into $BASE_REF may not come from $HEAD_REF"
          exit 1
`
  );
}

/** Dependabot version updates keep the pinned actions (and Python dependencies) current. */
export function dependabotConfig(): string {
  return (
    header +
    `version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: weekly
  - package-ecosystem: pip
    directory: /
    schedule:
      interval: weekly
`
  );
}
