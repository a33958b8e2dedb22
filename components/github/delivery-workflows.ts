import { pinnedActions } from "./files";

/**
 * The delivery workflows ProtectedRepository keeps in the repository: deploy (the pack on pull
 * requests, `pulumi up` with the pack per environment), model and image release (keyless
 * attestations, verified before anything is used), DAST after the staging deployment, and a
 * scheduled drift audit. Pure functions of the arguments, so tests parse exactly what is committed.
 *
 * Every action is pinned by commit SHA (pinnedActions); every workflow starts from `permissions: {}`
 * and each job asks for what it uses; a job that reaches Azure does so with OIDC from the GitHub
 * environment its principal trusts (`repo:OWNER/REPO:environment:NAME`), with no stored secret.
 */

/** One stack `pulumi up` deploys: its GitHub environment, the branch that deploys it, its pack config. */
export interface DeliveryStack {
  readonly stack: string;
  /** The GitHub environment whose federated credential the stack's deployer trusts. */
  readonly environment: string;
  /** The branch whose pushes deploy the stack (the branch table's "deploys" column). */
  readonly branch: string;
  /** `--policy-pack-config` of `pulumi up` and `secure-mlops audit`. */
  readonly policyConfig: string;
}

export interface DeliveryWorkflowOptions {
  readonly stacks: readonly DeliveryStack[];
  /**
   * The environment (one of `stacks`) whose deployer pushes released models and images to its
   * registry, and whose endpoint the DAST scan probes after its deployment.
   */
  readonly releaseEnvironment: string;
  /**
   * Labels of a runner inside the platform's network: the registry, the scoring endpoint and the
   * AKS API server are private, so the jobs that reach them cannot run on GitHub's hosted runners.
   */
  readonly privateRunner: readonly string[];
  /** The model folder the model release signs. */
  readonly modelDir: string;
  /** The build context (with its Containerfile or Dockerfile) of the serving image. */
  readonly imageContext: string;
  /** The attestation policy (YAML, the verifier's format) that released models and images must pass. */
  readonly attestationPolicy: string;
}

export const deliveryWorkflowDefaults = {
  stacks: [
    { stack: "staging", environment: "staging", branch: "main", policyConfig: "policies/config/staging.json" },
    { stack: "prod", environment: "production", branch: "production", policyConfig: "policies/config/prod.json" },
  ] as readonly DeliveryStack[],
  releaseEnvironment: "staging",
  privateRunner: ["self-hosted", "linux", "secure-mlops-vnet"] as readonly string[],
  modelDir: "model",
  imageContext: "serving",
  attestationPolicy: ".github/secure-mlops/attestation-policy.yaml",
} as const satisfies DeliveryWorkflowOptions;

/** Paths of the delivery workflows in the repository. */
export const deliveryWorkflowPaths = {
  deploy: ".github/workflows/secure-mlops-deploy.yml",
  modelRelease: ".github/workflows/secure-mlops-model-release.yml",
  imageRelease: ".github/workflows/secure-mlops-image-release.yml",
  dast: ".github/workflows/secure-mlops-dast.yml",
  drift: ".github/workflows/secure-mlops-drift.yml",
} as const;

/** The name of the deploy workflow, which the DAST workflow follows. */
export const deployWorkflowName = "secure-mlops deploy";

const header = "# Managed by secure-mlops (ProtectedRepository). Change it through the stack; a hand edit is overwritten.\n";

function uses(action: keyof typeof pinnedActions): string {
  return `${pinnedActions[action].uses} # ${pinnedActions[action].tag}`;
}

function flow(items: readonly string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(", ")}]`;
}

/** A job key from a name: lower case, dashes. */
function jobKey(prefix: string, name: string): string {
  return `${prefix}-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
}

/** Checkout without a stored token, Node 22, the locked dependencies: what every job that runs our CLI does first. */
const setupSteps = `      - uses: ${uses("checkout")}
        with:
          persist-credentials: false
      - uses: ${uses("setupNode")}
        with:
          node-version: 22
      - run: npm ci --no-audit --no-fund
`;

/** OIDC login to Azure with the environment's plain variables (written by the stack), and the Pulumi CLI. */
const azureSteps = `      - uses: ${uses("azureLogin")}
        with:
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}
          subscription-id: \${{ vars.AZURE_SUBSCRIPTION_ID }}
      - uses: ${uses("pulumi")}
      - run: pulumi login "$PULUMI_BACKEND_URL"
`;

/** azure-native and the state backend exchange the same GitHub token (ARM_USE_OIDC); no secret. */
const azureEnv = `    env:
      ARM_USE_OIDC: "true"
      ARM_CLIENT_ID: \${{ vars.AZURE_CLIENT_ID }}
      ARM_TENANT_ID: \${{ vars.AZURE_TENANT_ID }}
      ARM_SUBSCRIPTION_ID: \${{ vars.AZURE_SUBSCRIPTION_ID }}
      PULUMI_BACKEND_URL: \${{ vars.PULUMI_BACKEND_URL }}
`;

const oidcPermissions = `    permissions:
      contents: read
      id-token: write
`;

/**
 * Pull requests: the offline preview of every stack with the pack, its SARIF to code scanning (no
 * cloud identity: the code is not reviewed yet). Pushes: `pulumi up` with the pack, each stack
 * from its branch in its environment, whose reviewers and deployment branches gate the token.
 */
export function deployWorkflow(o: DeliveryWorkflowOptions): string {
  const previews = o.stacks
    .map(
      (s) => `      - name: preview ${s.stack}
        run: npx secure-mlops preview --stack ${s.stack} --policy-config ${s.policyConfig} --sarif preview-${s.stack}.sarif
      - uses: ${uses("uploadSarif")}
        if: \${{ !cancelled() }}
        with:
          sarif_file: preview-${s.stack}.sarif
          category: secure-mlops-preview-${s.stack}
`,
    )
    .join("");
  const deploys = o.stacks
    .map(
      (s) => `  ${jobKey("up", s.stack)}:
    if: github.event_name == 'push' && github.ref == 'refs/heads/${s.branch}'
    runs-on: ${flow(o.privateRunner)}
    environment: ${s.environment}
    concurrency:
      group: pulumi-up-${s.stack}
      cancel-in-progress: false
${oidcPermissions}${azureEnv}    steps:
${setupSteps}${azureSteps}      - run: pulumi up --yes --stack ${s.stack} --policy-pack policies --policy-pack-config ${s.policyConfig}
`,
    )
    .join("");
  return (
    header +
    `name: ${deployWorkflowName}
on:
  pull_request:
  push:
    branches: ${flow(o.stacks.map((s) => s.branch))}
permissions: {}
jobs:
  preview:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
${setupSteps}${previews}${deploys}`
  );
}

function releaseStack(o: DeliveryWorkflowOptions): DeliveryStack {
  const s = o.stacks.find((x) => x.environment === o.releaseEnvironment);
  if (!s) throw new Error(`releaseEnvironment ${o.releaseEnvironment} is not the environment of a deployed stack`);
  return s;
}

/** The registry login: `az acr login` writes the token the CLI's registry client reads from Docker's config. */
const registryLogin = `      - name: registry login
        run: az acr login --name "\${ACR_LOGIN_SERVER%%.*}"
`;

/**
 * A model change on the release branch: signed keyless as this workflow (the certificate names it),
 * its evidence signed alike, verified against the attestation policy before it leaves the job, then
 * pushed to the registry as an OCI artifact with its signature and evidence as referrers, and
 * verified again from there.
 */
export function modelReleaseWorkflow(o: DeliveryWorkflowOptions): string {
  const s = releaseStack(o);
  const dir = o.modelDir;
  return (
    header +
    `name: secure-mlops model release
on:
  push:
    branches: [${JSON.stringify(s.branch)}]
    paths: [${JSON.stringify(`${dir}/**`)}]
  workflow_dispatch:
permissions: {}
jobs:
  release:
    runs-on: ${flow(o.privateRunner)}
    environment: ${s.environment}
${oidcPermissions}    env:
      ACR_LOGIN_SERVER: \${{ vars.ACR_LOGIN_SERVER }}
      MODEL_REF: \${{ vars.ACR_LOGIN_SERVER }}/models/\${{ github.event.repository.name }}:\${{ github.sha }}
    steps:
${setupSteps.replace("persist-credentials: false", "persist-credentials: false\n          lfs: true")}      - run: npx secure-mlops attest model ${dir} --keyless
      - run: npx secure-mlops attest evidence ${dir} --type license --keyless
      - run: npx secure-mlops attest evidence ${dir} --type mlbom --keyless
      - run: npx secure-mlops attest evidence ${dir} --type evaluation --input ${dir}/evaluation.json --keyless
      - run: npx secure-mlops verify model ${dir} --policy ${o.attestationPolicy}
      - uses: ${uses("azureLogin")}
        with:
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}
          subscription-id: \${{ vars.AZURE_SUBSCRIPTION_ID }}
${registryLogin}      - run: npx secure-mlops attest model ${dir} --keyless --push "$MODEL_REF"
      - run: npx secure-mlops verify model "$MODEL_REF" --policy ${o.attestationPolicy}
`
  );
}

/**
 * The serving image: built and pushed by digest, scanned (Trivy here; Defender for Containers scans
 * it again in the registry), its SBOM made, attested keyless with the scan, the SBOM and SLSA
 * provenance from this run, and verified against the attestation policy.
 */
export function imageReleaseWorkflow(o: DeliveryWorkflowOptions): string {
  const s = releaseStack(o);
  const ctx = o.imageContext;
  return (
    header +
    `name: secure-mlops image release
on:
  push:
    branches: [${JSON.stringify(s.branch)}]
    paths: [${JSON.stringify(`${ctx}/**`)}]
  workflow_dispatch:
permissions: {}
jobs:
  release:
    runs-on: ${flow(o.privateRunner)}
    environment: ${s.environment}
${oidcPermissions}    env:
      ACR_LOGIN_SERVER: \${{ vars.ACR_LOGIN_SERVER }}
      IMAGE: \${{ vars.ACR_LOGIN_SERVER }}/serving
    steps:
${setupSteps}      - uses: ${uses("azureLogin")}
        with:
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}
          subscription-id: \${{ vars.AZURE_SUBSCRIPTION_ID }}
${registryLogin}      - name: build and push
        id: image
        run: |
          docker build --tag "$IMAGE:$GITHUB_SHA" ${ctx}
          docker push "$IMAGE:$GITHUB_SHA"
          echo "ref=$(docker inspect --format '{{index .RepoDigests 0}}' "$IMAGE:$GITHUB_SHA")" >> "$GITHUB_OUTPUT"
      - uses: ${uses("trivy")}
        with:
          image-ref: \${{ steps.image.outputs.ref }}
          format: json
          output: trivy.json
          exit-code: "0"
      - uses: ${uses("trivy")}
        with:
          image-ref: \${{ steps.image.outputs.ref }}
          format: cyclonedx
          output: sbom.cdx.json
          skip-setup-trivy: true
      - env:
          REF: \${{ steps.image.outputs.ref }}
        run: |
          npx secure-mlops attest image "$REF" --keyless --sbom sbom.cdx.json --scan trivy.json --provenance github
          npx secure-mlops verify image "$REF" --policy ${o.attestationPolicy}
`
  );
}

/**
 * OWASP ZAP's baseline scan of the release environment's endpoint once its deployment succeeded;
 * the report is kept as the run's artifact. It checks out nothing and holds no cloud identity.
 */
export function dastWorkflow(o: DeliveryWorkflowOptions): string {
  const s = releaseStack(o);
  return (
    header +
    `name: secure-mlops DAST
on:
  workflow_run:
    workflows: [${JSON.stringify(deployWorkflowName)}]
    types: [completed]
    branches: [${JSON.stringify(s.branch)}]
  workflow_dispatch:
permissions: {}
jobs:
  zap-baseline:
    if: github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success'
    runs-on: ${flow(o.privateRunner)}
    permissions:
      contents: read
    steps:
      - uses: ${uses("zapBaseline")}
        with:
          target: \${{ vars.DAST_TARGET_URL }}
          allow_issue_writing: false
          fail_action: true
          artifact_name: zap-baseline-${s.stack}
`
  );
}

/**
 * Every day, each stack as deployed: `pulumi refresh` reads what the cloud has now, `pulumi stack
 * export` writes it, `secure-mlops audit` judges it with the pack. A violation fails the run and a
 * second job, which alone may write issues and holds no cloud identity, opens one.
 */
export function driftWorkflow(o: DeliveryWorkflowOptions): string {
  const jobs = o.stacks
    .map((s) => {
      const audit = jobKey("audit", s.stack);
      return `  ${audit}:
    runs-on: ${flow(o.privateRunner)}
    environment: ${s.environment}
${oidcPermissions}${azureEnv}    outputs:
      verdict: \${{ steps.audit.outputs.verdict }}
    steps:
${setupSteps}${azureSteps}      - run: pulumi refresh --yes --skip-preview --stack ${s.stack}
      - run: pulumi stack export --stack ${s.stack} --file state.json
      - id: audit
        run: |
          status=0
          npx secure-mlops audit --state state.json --policy-config ${s.policyConfig} > audit.txt || status=$?
          cat audit.txt >> "$GITHUB_STEP_SUMMARY"
          if [ "$status" = 1 ]; then echo "verdict=violations" >> "$GITHUB_OUTPUT"; fi
          rm -f state.json
          exit "$status"
  ${jobKey("issue", s.stack)}:
    needs: ${audit}
    if: \${{ always() && needs.${audit}.outputs.verdict == 'violations' }}
    runs-on: ubuntu-latest
    permissions:
      issues: write
    steps:
      - env:
          GH_TOKEN: \${{ github.token }}
          RUN_URL: \${{ github.server_url }}/\${{ github.repository }}/actions/runs/\${{ github.run_id }}
          TITLE: "Drift: the deployed ${s.stack} stack violates the policy pack"
        run: |
          # One open issue per stack: a drift that lasts gets a comment per run, not an issue a day.
          open=$(gh issue list --repo "$GITHUB_REPOSITORY" --state open --search "\\"$TITLE\\" in:title" --json number --jq '.[0].number // empty')
          body="secure-mlops audit found mandatory violations in the ${s.stack} stack as deployed. The verdicts are in the run's summary: $RUN_URL"
          if [ -n "$open" ]; then
            gh issue comment "$open" --repo "$GITHUB_REPOSITORY" --body "$body"
          else
            gh issue create --repo "$GITHUB_REPOSITORY" --title "$TITLE" --body "$body"
          fi
`;
    })
    .join("");
  return (
    header +
    `name: secure-mlops drift
on:
  schedule:
    - cron: "23 5 * * *"
  workflow_dispatch:
permissions: {}
jobs:
${jobs}`
  );
}

/** The five files, path and content. */
export function deliveryWorkflows(o: DeliveryWorkflowOptions): { key: string; path: string; content: string }[] {
  return [
    { key: "deploy-workflow", path: deliveryWorkflowPaths.deploy, content: deployWorkflow(o) },
    { key: "model-release-workflow", path: deliveryWorkflowPaths.modelRelease, content: modelReleaseWorkflow(o) },
    { key: "image-release-workflow", path: deliveryWorkflowPaths.imageRelease, content: imageReleaseWorkflow(o) },
    { key: "dast-workflow", path: deliveryWorkflowPaths.dast, content: dastWorkflow(o) },
    { key: "drift-workflow", path: deliveryWorkflowPaths.drift, content: driftWorkflow(o) },
  ];
}
