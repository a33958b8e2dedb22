import * as pulumi from "@pulumi/pulumi";
// The API groups one by one, not the package's index: the index loads every group and the Helm
// and Kustomize support at once (about 0.1 s of each program that creates a verifier).
import * as admissionregistrationV1 from "@pulumi/kubernetes/admissionregistration/v1";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as policyV1 from "@pulumi/kubernetes/policy/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import * as tls from "@pulumi/tls";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { createRoleAssignments } from "../lib/azure";
import { checker } from "../lib/errors";

export const attestationVerifierType = "secure-mlops:kubernetes:AttestationVerifier";

/** The cluster to deploy to, when no Kubernetes provider is passed in. */
export interface AttestationVerifierCluster {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
}

export interface AttestationVerifierArgs {
  /** A provider for the target cluster; otherwise one is built from `cluster`'s user credentials. */
  readonly provider?: Provider;
  readonly cluster?: AttestationVerifierCluster;
  /** The verifier image by digest: `registry/repository@sha256:<64 hex>`. */
  readonly image: string;
  /** The verification policy (JSON), mounted read-only from a ConfigMap. */
  readonly policy: pulumi.Input<string>;
  /** Resource group for the verifier's user-assigned identity. */
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location?: pulumi.Input<string>;
  /** The cluster's OIDC issuer, trusted by the identity's federated credential. */
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** The registry holding the attestations; the identity gets AcrPull there. */
  readonly registryId: pulumi.Input<string>;
  /** Addresses the verifier may reach on TCP 443: the registry's private endpoint and Entra ID. */
  readonly egressCidrs: readonly string[];
  /** Issue the serving certificate with this cert-manager ClusterIssuer instead of a generated CA. @default none */
  readonly certManagerIssuer?: string;
  /** @default "attestation-verifier" */
  readonly namespace?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default "Fail" */
  readonly failurePolicy?: "Fail" | "Ignore";
  /** @default 5 */
  readonly timeoutSeconds?: number;
  /** @default { cpu: "100m", memory: "128Mi" } requests, { cpu: "500m", memory: "256Mi" } limits */
  readonly resources?: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The component's secure defaults, in one place; each has an argument that overrides it. */
export const attestationVerifierDefaults = {
  namespace: "attestation-verifier",
  replicas: 2,
  failurePolicy: "Fail",
  timeoutSeconds: 5,
  resources: {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
  },
} as const;

/** Every kind that carries a pod template, and the subresource that adds containers to a running pod. */
export const webhookRules = [
  { apiGroups: [""], apiVersions: ["v1"], resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers", "podtemplates"] },
  { apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"] },
  { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs", "cronjobs"] },
] as const;

const digestImage = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$/;
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const cidr = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const webhookPort = 8443;
const metricsPort = 9090;
const appName = "attestation-verifier";

export function validateAttestationVerifierArgs(args: AttestationVerifierArgs): void {
  const check = checker(attestationVerifierType);
  const d = attestationVerifierDefaults;
  check(args.provider !== undefined || args.cluster !== undefined, "provider", "or cluster is required, to know where to deploy");
  check(digestImage.test(args.image), "image", `must be a registry/repository@sha256:<64 hex digits> reference, got "${args.image}"`);
  const ns = args.namespace ?? d.namespace;
  check(dnsLabel.test(ns) && ns !== "kube-system" && ns !== "default", "namespace", `must be a DNS label other than kube-system and default, got "${ns}"`);
  const replicas = args.replicas ?? d.replicas;
  check(Number.isInteger(replicas) && replicas >= 1 && replicas <= 10, "replicas", `must be an integer from 1 to 10, got ${replicas}`);
  const timeout = args.timeoutSeconds ?? d.timeoutSeconds;
  check(Number.isInteger(timeout) && timeout >= 1 && timeout <= 10, "timeoutSeconds", `must be an integer from 1 to 10, got ${timeout}`);
  check(args.egressCidrs.length > 0, "egressCidrs", "must list the registry's private endpoint (and Entra ID) addresses");
  args.egressCidrs.forEach((c, i) => check(cidr.test(c), `egressCidrs[${i}]`, `must be an IPv4 CIDR range, got "${c}"`));
}

/** A provider for the cluster from its Entra (exec) user credentials; needs kubelogin where Pulumi runs. */
function providerFor(name: string, parent: pulumi.Resource, cluster: AttestationVerifierCluster): Provider {
  const creds = containerservice.listManagedClusterUserCredentialsOutput(
    { resourceGroupName: cluster.resourceGroupName, resourceName: cluster.clusterName, format: "exec" },
    { parent },
  );
  const kubeconfig = creds.kubeconfigs.apply((configs) => {
    const value = configs[0]?.value;
    if (value === undefined) throw new Error("the cluster returned no user kubeconfig");
    return Buffer.from(value, "base64").toString("utf8");
  });
  return new Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(kubeconfig), enableServerSideApply: true }, { parent });
}

/**
 * The attestation verifier on Kubernetes: a restricted namespace, a workload-identity service
 * account that can pull attestations, a hardened Deployment by digest with its Service, PDB and
 * NetworkPolicy, TLS (generated CA or cert-manager), and the ValidatingWebhookConfiguration that
 * sends every pod-creating request to it.
 */
export class AttestationVerifier extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly identityClientId: pulumi.Output<string>;
  /** PEM of the CA that signs the serving certificate (the webhook's caBundle, decoded). */
  readonly caCertPem: pulumi.Output<string | undefined>;
  readonly webhookName: pulumi.Output<string>;

  constructor(name: string, args: AttestationVerifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super(attestationVerifierType, name, {}, opts);
    validateAttestationVerifierArgs(args);
    const d = attestationVerifierDefaults;
    const ns = args.namespace ?? d.namespace;
    const provider = args.provider ?? providerFor(name, this, args.cluster as AttestationVerifierCluster);
    const k8sOpts = { parent: this, provider };
    const labels = { "app.kubernetes.io/name": appName, "app.kubernetes.io/instance": name };
    const serviceName = appName;
    const serviceAccountName = appName;

    const namespace = new coreV1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: ns,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      },
      k8sOpts,
    );
    this.namespace = namespace.metadata.name;
    const inNs = { ...k8sOpts, dependsOn: [namespace] };

    // Workload identity: an Azure identity the service account's token is exchanged for.
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    new managedidentity.FederatedIdentityCredential(
      `${name}-federation`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: identity.name,
        issuer: args.oidcIssuerUrl,
        subject: `system:serviceaccount:${ns}:${serviceAccountName}`,
        audiences: ["api://AzureADTokenExchange"],
      },
      { parent: this },
    );
    createRoleAssignments(`${name}-identity`, this, args.registryId, [
      { name: "acrpull", role: "AcrPull", principalId: identity.principalId, description: "The attestation verifier reads signatures and attestations." },
    ]);
    this.identityClientId = identity.clientId;

    const serviceAccount = new coreV1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: { name: serviceAccountName, namespace: ns, labels, annotations: { "azure.workload.identity/client-id": identity.clientId } },
        // The token is projected only into the verifier's pods, which label themselves for workload identity.
        automountServiceAccountToken: false,
      },
      inNs,
    );

    const policy = new coreV1.ConfigMap(
      `${name}-policy`,
      { metadata: { name: `${appName}-policy`, namespace: ns, labels }, data: { "policy.json": args.policy } },
      inNs,
    );

    const tlsSecretName = `${appName}-tls`;
    const dnsNames = [`${serviceName}.${ns}.svc`, `${serviceName}.${ns}.svc.cluster.local`];
    let caBundle: pulumi.Output<string> | undefined;
    let tlsSecret: pulumi.Resource;
    if (args.certManagerIssuer !== undefined) {
      tlsSecret = new CustomResource(
        `${name}-certificate`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: tlsSecretName, namespace: ns, labels },
          spec: {
            secretName: tlsSecretName,
            dnsNames,
            issuerRef: { kind: "ClusterIssuer", name: args.certManagerIssuer },
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            duration: "2160h",
            renewBefore: "720h",
          },
        },
        inNs,
      );
      this.caCertPem = pulumi.output(undefined);
    } else {
      const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const ca = new tls.SelfSignedCert(
        `${name}-ca`,
        {
          privateKeyPem: caKey.privateKeyPem,
          isCaCertificate: true,
          validityPeriodHours: 24 * 365,
          earlyRenewalHours: 24 * 30,
          allowedUses: ["cert_signing", "crl_signing"],
          subject: { commonName: `${appName} webhook CA`, organization: "secure-mlops" },
        },
        { parent: this },
      );
      const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const csr = new tls.CertRequest(
        `${name}-csr`,
        { privateKeyPem: key.privateKeyPem, dnsNames, subject: { commonName: dnsNames[0] } },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${name}-cert`,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: 24 * 90,
          earlyRenewalHours: 24 * 30,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        { parent: this },
      );
      tlsSecret = new coreV1.Secret(
        `${name}-tls`,
        {
          metadata: { name: tlsSecretName, namespace: ns, labels },
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": cert.certPem, "tls.key": pulumi.secret(key.privateKeyPem) },
        },
        inNs,
      );
      caBundle = ca.certPem.apply((pem) => Buffer.from(pem, "utf8").toString("base64"));
      this.caCertPem = ca.certPem;
    }

    const replicas = args.replicas ?? d.replicas;
    const resources = args.resources ?? d.resources;
    const probe = (path: string) => ({
      httpGet: { path, port: webhookPort, scheme: "HTTPS" },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    const deployment = new appsV1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: appName, namespace: ns, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: { ...labels, "azure.workload.identity/use": "true" } },
            spec: {
              serviceAccountName,
              // Workload identity projects its own token (audience api://AzureADTokenExchange) into the pod;
              // the service never calls the Kubernetes API, so it gets no API token.
              automountServiceAccountToken: false,
              priorityClassName: "system-cluster-critical",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                fsGroup: 65532,
                // Azure Policy's restricted initiative (42b8ef37, AllowedUsersGroups) wants every
                // group rule set, supplementalGroups too, where PSS restricted does not
                supplementalGroups: [65532],
                seccompProfile: { type: "RuntimeDefault" },
              },
              affinity: {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" }],
                },
              },
              topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
              ],
              containers: [
                {
                  name: "verifier",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "verifier", "serve",
                    "--policy", "/etc/verifier/policy/policy.json",
                    "--tls-cert", "/etc/verifier/tls/tls.crt",
                    "--tls-key", "/etc/verifier/tls/tls.key",
                    "--port", String(webhookPort),
                    "--metrics-port", String(metricsPort),
                  ],
                  ports: [
                    { name: "webhook", containerPort: webhookPort, protocol: "TCP" },
                    { name: "metrics", containerPort: metricsPort, protocol: "TCP" },
                  ],
                  resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
                  livenessProbe: probe("/healthz"),
                  readinessProbe: probe("/readyz"),
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    privileged: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  volumeMounts: [
                    { name: "policy", mountPath: "/etc/verifier/policy", readOnly: true },
                    { name: "tls", mountPath: "/etc/verifier/tls", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "policy", configMap: { name: `${appName}-policy` } },
                { name: "tls", secret: { secretName: tlsSecretName } },
                { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
              ],
            },
          },
        },
      },
      { ...inNs, dependsOn: [namespace, serviceAccount, policy, tlsSecret] },
    );

    new coreV1.Service(
      `${name}-service`,
      {
        metadata: { name: serviceName, namespace: ns, labels },
        spec: { type: "ClusterIP", selector: labels, ports: [{ name: "webhook", port: 443, targetPort: webhookPort, protocol: "TCP" }] },
      },
      inNs,
    );

    new policyV1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: { name: appName, namespace: ns, labels }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
      inNs,
    );

    new networkingV1.NetworkPolicy(
      `${name}-netpol`,
      {
        metadata: { name: appName, namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Ingress", "Egress"],
          // The API server calls from outside the pod network, so the port is the only restriction.
          ingress: [{ ports: [{ port: webhookPort, protocol: "TCP" }] }],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
              ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
            },
            { to: args.egressCidrs.map((c) => ({ ipBlock: { cidr: c } })), ports: [{ port: 443, protocol: "TCP" }] },
          ],
        },
      },
      inNs,
    );

    const webhookName = `${appName}.secure-mlops.io`;
    const webhook = new admissionregistrationV1.ValidatingWebhookConfiguration(
      `${name}-webhook`,
      {
        metadata: {
          name: appName,
          labels,
          annotations: args.certManagerIssuer !== undefined ? { "cert-manager.io/inject-ca-from": `${ns}/${tlsSecretName}` } : undefined,
        },
        webhooks: [
          {
            name: webhookName,
            admissionReviewVersions: ["v1"],
            sideEffects: "None",
            failurePolicy: args.failurePolicy ?? d.failurePolicy,
            matchPolicy: "Equivalent",
            timeoutSeconds: args.timeoutSeconds ?? d.timeoutSeconds,
            clientConfig: { service: { name: serviceName, namespace: ns, path: "/validate", port: 443 }, caBundle },
            rules: webhookRules.map((r) => ({ ...r, apiGroups: [...r.apiGroups], apiVersions: [...r.apiVersions], resources: [...r.resources], operations: ["CREATE", "UPDATE"], scope: "*" })),
            namespaceSelector: {
              matchExpressions: [
                { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", ns] },
                // The exclusions the AKS admissions enforcer adds itself (5.9 C6): written here so
                // its rewrite changes nothing and Pulumi sees no drift.
                { key: "control-plane", operator: "DoesNotExist" },
                { key: "kubernetes.azure.com/managedby", operator: "NotIn", values: ["aks"] },
              ],
            },
          },
        ],
      },
      // Registered only once the verifier can answer, or Fail would block every pod meanwhile.
      { ...k8sOpts, dependsOn: [deployment] },
    );
    this.webhookName = webhook.metadata.name;

    this.registerOutputs({
      namespace: this.namespace,
      identityClientId: this.identityClientId,
      caCertPem: this.caCertPem,
      webhookName: this.webhookName,
    });
  }
}
