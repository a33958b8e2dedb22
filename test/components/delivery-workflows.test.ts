import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { branchesDeployingTo } from "../../components/github/protected-repository/args";
import { deliveryWorkflowDefaults, deliveryWorkflows, deployWorkflowName } from "../../components/github/delivery-workflows";
import { pinnedActions } from "../../components/github/files";
import { loadProgramSource, runProgram } from "../../preview/run-program";
import { repoRoot } from "../support/harness";

/**
 * The delivery workflows ProtectedRepository commits, parsed as GitHub would, held to the rules
 * actionlint applies that can be checked here (structure, `needs`, expressions in scripts, cron,
 * permission scopes) and to ours: every action pinned to the SHA of a vetted release, every job
 * with explicit least permissions, and OIDC only from an environment the deployer trusts.
 */

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown>; if?: string; id?: string; name?: string };
type Job = {
  "runs-on": unknown;
  permissions?: Record<string, string>;
  environment?: string;
  needs?: string | string[];
  if?: string;
  steps: Step[];
  env?: Record<string, string>;
  outputs?: Record<string, string>;
};
type Workflow = { name: string; on: Record<string, unknown>; permissions: unknown; jobs: Record<string, Job> };

const files = deliveryWorkflows(deliveryWorkflowDefaults);
const workflows = files.map((f) => ({ ...f, doc: parse(f.content) as Workflow }));
const byKey = (key: string): Workflow => {
  const w = workflows.find((x) => x.key === key);
  if (!w) throw new Error(`no ${key}`);
  return w.doc;
};
const allJobs = workflows.flatMap((w) => Object.entries(w.doc.jobs).map(([id, job]) => ({ file: w.path, id, job })));

/** The scopes of the GITHUB_TOKEN (docs: "Permissions for the GITHUB_TOKEN"). */
const scopes = new Set([
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
]);

describe("the delivery workflows", () => {
  it("are five files that parse, each without YAML warnings", () => {
    expect(files.map((f) => f.path)).toEqual([
      ".github/workflows/secure-mlops-deploy.yml",
      ".github/workflows/secure-mlops-model-release.yml",
      ".github/workflows/secure-mlops-image-release.yml",
      ".github/workflows/secure-mlops-dast.yml",
      ".github/workflows/secure-mlops-drift.yml",
    ]);
    for (const f of files) {
      const doc = parseDocument(f.content);
      expect([f.path, doc.errors.map(String), doc.warnings.map(String)]).toEqual([f.path, [], []]);
      expect(Object.keys(doc.toJS() as object)).toEqual(["name", "on", "permissions", "jobs"]);
    }
  });

  it("pin every action to the commit of a vetted release, with its tag beside it", () => {
    const vetted = new Map<string, string>(Object.values(pinnedActions).map((a) => [a.uses, a.tag]));
    let count = 0;
    for (const f of files) {
      const lines = f.content.split("\n").filter((l) => /^\s*-?\s*uses:/.test(l));
      for (const line of lines) {
        const m = /uses: (\S+) # (\S+)$/.exec(line);
        expect(m, `${f.path}: ${line}`).not.toBeNull();
        const [, ref, tag] = m as RegExpExecArray;
        expect(ref).toMatch(/^[a-z0-9-]+\/[a-z0-9._-]+(\/[a-z0-9._/-]+)?@[0-9a-f]{40}$/);
        expect(vetted.get(ref as string), `${ref} is not a vetted pin`).toBe(tag);
        count++;
      }
    }
    expect(count).toBeGreaterThan(15);
    // Every `uses` the parser sees is one of the lines checked above.
    const parsedUses = allJobs.flatMap((j) => j.job.steps.filter((s) => s.uses !== undefined)).length;
    expect(parsedUses).toBe(count);
  });

  it("give the token no permission at the top and each job only what it uses", () => {
    for (const w of workflows) expect([w.path, w.doc.permissions]).toEqual([w.path, {}]);
    const read = { contents: "read" };
    const oidc = { contents: "read", "id-token": "write" };
    expect(Object.fromEntries(allJobs.map((j) => [`${j.file.split("/").pop()} ${j.id}`, j.job.permissions]))).toEqual({
      "secure-mlops-deploy.yml preview": { contents: "read", "security-events": "write" },
      "secure-mlops-deploy.yml up-staging": oidc,
      "secure-mlops-deploy.yml up-prod": oidc,
      "secure-mlops-model-release.yml release": oidc,
      "secure-mlops-image-release.yml release": oidc,
      "secure-mlops-dast.yml zap-baseline": read,
      "secure-mlops-drift.yml audit-staging": oidc,
      "secure-mlops-drift.yml issue-staging": { issues: "write" },
      "secure-mlops-drift.yml audit-prod": oidc,
      "secure-mlops-drift.yml issue-prod": { issues: "write" },
    });
    for (const { job } of allJobs) {
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        expect(scopes.has(scope), scope).toBe(true);
        expect(["read", "write", "none"]).toContain(level);
      }
    }
  });

  it("hold the structural rules actionlint checks", () => {
    expect(allJobs.length).toBe(10);
    for (const w of workflows) {
      const ids = Object.keys(w.doc.jobs);
      for (const [id, job] of Object.entries(w.doc.jobs)) {
        const at = `${w.path} ${id}`;
        expect(id, at).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
        expect(job["runs-on"], at).toBeDefined();
        expect(job.steps.length, at).toBeGreaterThan(0);
        for (const step of job.steps) {
          // A step either uses an action or runs a script, never both or neither.
          expect([at, step.uses === undefined, step.run === undefined].filter((x) => x === true).length, `${at}: ${JSON.stringify(step)}`).toBe(1);
          // No expression is pasted into a script (actionlint's script injection check, made strict):
          // values reach scripts through `env`.
          if (step.run !== undefined) expect(step.run, at).not.toContain("${{");
        }
        const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
        for (const n of needs) expect(ids, `${at} needs ${n}`).toContain(n);
        for (const cond of [job.if, ...job.steps.map((s) => s.if)].filter((c): c is string => c !== undefined)) {
          const bare = cond.replace(/^\$\{\{\s*|\s*\}\}$/g, "");
          expect(bare.includes("${{"), `${at}: ${cond}`).toBe(false);
          expect((bare.match(/\(/g) ?? []).length, `${at}: ${cond}`).toBe((bare.match(/\)/g) ?? []).length);
          expect((bare.match(/'/g) ?? []).length % 2, `${at}: ${cond}`).toBe(0);
          // A `needs.X.outputs` in a condition must name a job it needs and an output that job sets.
          for (const m of bare.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
            expect(needs, `${at}: ${cond}`).toContain(m[1]);
            expect(Object.keys(w.doc.jobs[m[1] as string]?.outputs ?? {}), `${at}: ${cond}`).toContain(m[2]);
          }
        }
      }
    }
    const drift = byKey("drift-workflow");
    const schedule = drift.on["schedule"] as { cron: string }[];
    expect(schedule.length).toBe(1);
    expect(schedule[0]?.cron.split(" ")).toHaveLength(5);
    // The DAST scan follows the deploy workflow by its name.
    expect((byKey("dast-workflow").on["workflow_run"] as { workflows: string[] }).workflows).toEqual([deployWorkflowName]);
    expect(byKey("deploy-workflow").name).toBe(deployWorkflowName);
  });

  it("preview every stack on pull requests with no cloud identity, and send the SARIF to code scanning", () => {
    const preview = byKey("deploy-workflow").jobs["preview"] as Job;
    expect(preview.if).toBe("github.event_name == 'pull_request'");
    expect(preview.environment).toBeUndefined();
    const runs = preview.steps.filter((s) => s.run?.startsWith("npx secure-mlops preview")).map((s) => s.run);
    expect(runs).toEqual([
      "npx secure-mlops preview --stack staging --policy-config policies/config/staging.json --sarif preview-staging.sarif",
      "npx secure-mlops preview --stack prod --policy-config policies/config/prod.json --sarif preview-prod.sarif",
    ]);
    const uploads = preview.steps.filter((s) => s.uses === pinnedActions.uploadSarif.uses);
    expect(uploads.map((s) => [s.if, s.with?.["sarif_file"]])).toEqual([
      ["${{ !cancelled() }}", "preview-staging.sarif"],
      ["${{ !cancelled() }}", "preview-prod.sarif"],
    ]);
  });

  it("run `pulumi up` with the pack, each stack from the branch that deploys its environment", () => {
    const deploy = byKey("deploy-workflow");
    for (const s of deliveryWorkflowDefaults.stacks) {
      const job = deploy.jobs[`up-${s.stack}`] as Job;
      expect(job.environment).toBe(s.environment);
      // The branch table's "deploys" column: the environment's deployment branch policy allows only these.
      expect(branchesDeployingTo(s.environment)).toEqual([s.branch]);
      expect(job.if).toBe(`github.event_name == 'push' && github.ref == 'refs/heads/${s.branch}'`);
      expect(job.steps.at(-1)?.run).toBe(`pulumi up --yes --stack ${s.stack} --policy-pack policies --policy-pack-config ${s.policyConfig}`);
      expect(job.env?.["ARM_USE_OIDC"]).toBe("true");
    }
  });

  it("release a model signed, with evidence, verified under the policy, then pushed and verified from the registry", () => {
    const runs = (byKey("model-release-workflow").jobs["release"] as Job).steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(runs.slice(1)).toEqual([
      "npx secure-mlops attest model model --keyless",
      "npx secure-mlops attest evidence model --type license --keyless",
      "npx secure-mlops attest evidence model --type mlbom --keyless",
      "npx secure-mlops attest evidence model --type evaluation --input model/evaluation.json --keyless",
      "npx secure-mlops verify model model --policy .github/secure-mlops/attestation-policy.yaml",
      'az acr login --name "${ACR_LOGIN_SERVER%%.*}"',
      'npx secure-mlops attest model model --keyless --push "$MODEL_REF"',
      'npx secure-mlops verify model "$MODEL_REF" --policy .github/secure-mlops/attestation-policy.yaml',
    ]);
  });

  it("release an image scanned, attested with SBOM, scan and provenance, and verified", () => {
    const steps = (byKey("image-release-workflow").jobs["release"] as Job).steps;
    expect(steps.filter((s) => s.uses === pinnedActions.trivy.uses).map((s) => s.with?.["format"])).toEqual(["json", "cyclonedx"]);
    expect(steps.at(-1)?.run?.trim().split("\n")).toEqual([
      'npx secure-mlops attest image "$REF" --keyless --sbom sbom.cdx.json --scan trivy.json --provenance github',
      'npx secure-mlops verify image "$REF" --policy .github/secure-mlops/attestation-policy.yaml',
    ]);
  });

  it("audit every stack as deployed each day and open an issue from a job without cloud access", () => {
    const drift = byKey("drift-workflow");
    for (const s of deliveryWorkflowDefaults.stacks) {
      const runs = (drift.jobs[`audit-${s.stack}`] as Job).steps.flatMap((x) => (x.run ? [x.run.split("\n")[0]?.trim() ?? ""] : []));
      expect(runs.slice(1)).toEqual([
        'pulumi login "$PULUMI_BACKEND_URL"',
        `pulumi refresh --yes --skip-preview --stack ${s.stack}`,
        `pulumi stack export --stack ${s.stack} --file state.json`,
        "status=0",
      ]);
      const issue = drift.jobs[`issue-${s.stack}`] as Job;
      expect(issue.environment).toBeUndefined();
      expect(issue.needs).toBe(`audit-${s.stack}`);
      // A lasting drift gets one open issue, commented on by each run that still finds it.
      const script = issue.steps[0]?.run ?? "";
      expect(script.indexOf("gh issue list")).toBeGreaterThan(-1);
      expect(script.indexOf("gh issue comment")).toBeGreaterThan(script.indexOf("gh issue list"));
      expect(script.indexOf("gh issue create")).toBeGreaterThan(script.indexOf("gh issue comment"));
      expect(issue.steps[0]?.env?.["TITLE"]).toBe(`Drift: the deployed ${s.stack} stack violates the policy pack`);
    }
  });
});

describe("the jobs that log in to Azure", () => {
  // The subjects each stack's deployer trusts, read from the stack's own program on the mocks.
  const subjects = new Map<string, string[]>();
  beforeAll(async () => {
    for (const s of deliveryWorkflowDefaults.stacks) {
      const records = await runProgram(loadProgramSource(repoRoot, s.stack));
      const credentials = records.filter((r) => r.type === "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential");
      subjects.set(s.environment, credentials.map((r) => String(r.inputs["subject"])));
    }
  }, 120_000);

  it("run only in an environment whose subject the deployer of that environment trusts", () => {
    const oidcJobs = allJobs.filter(({ job }) => job.permissions?.["id-token"] === "write");
    expect(oidcJobs.length).toBe(6);
    for (const { file, id, job } of oidcJobs) {
      const environment = job.environment;
      expect(environment, `${file} ${id}`).toBeDefined();
      expect(subjects.get(environment as string), `${file} ${id}`).toEqual([`repo:octo-org/secure-mlops:environment:${environment}`]);
    }
    // And no other job can ask for a token.
    const others = allJobs.filter(({ job }) => job.permissions?.["id-token"] !== "write");
    expect(others.map((j) => j.id)).toEqual(["preview", "zap-baseline", "issue-staging", "issue-prod"]);
  });
});
