import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import type { ExtensionArgs } from "@pulumi/azure-native/kubernetesconfiguration";
import { kubernetesconfiguration } from "./lib/type-tokens";
import { mapped } from "./lib/metadata";
import { sameEnum } from "./lib/values";

// Cluster extensions (Microsoft.KubernetesConfiguration). Azure Policy has no built-in for the
// Azure ML extension's settings, so the pack reads its configuration settings itself.

const azureMlExtensionType = "Microsoft.AzureML.Kubernetes";
type Settings = Record<string, unknown>;

/** A configuration setting by key, case-insensitively: the extension reads them that way. */
function setting(settings: unknown, key: string): unknown {
  if (typeof settings !== "object" || settings === null) return undefined;
  const entries = Object.entries(settings as Settings);
  return entries.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
}

const isTrue = (value: unknown): boolean => value === true || sameEnum(value, "true");

function azureMl(validate: (ext: ExtensionArgs, report: (message: string) => void) => void) {
  return validateResourceOfType(kubernetesconfiguration.Extension, (ext, _args, report) => {
    if (!sameEnum(ext.extensionType, azureMlExtensionType)) return;
    validate(ext, report);
  });
}

export const azureMlExtensionHttpsOnly: ResourceValidationPolicy = {
  name: "azure-kubernetesconfiguration-extension-azureml-https-only",
  description:
    "The Azure ML extension must serve inference over HTTPS only, with its certificate in protected settings, never in plain settings.",
  severity: "high",
  remediationSteps:
    "Leave `allowInsecureConnections` unset or \"False\", set `sslCname`, and put `sslCertPemFile`/`sslKeyPemFile` (or `sslSecret`) in `configurationProtectedSettings`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    tags: ["kubernetesconfiguration", "machinelearningservices", "network"],
  }),
  validateResource: azureMl((ext, report) => {
    const settings = ext.configurationSettings;
    if (isTrue(setting(settings, "allowInsecureConnections"))) {
      report("The Azure ML extension must not allow insecure (HTTP) connections.");
      return;
    }
    const inference = isTrue(setting(settings, "enableInference"));
    if (inference && setting(settings, "sslCname") === undefined) {
      report("The Azure ML extension must set sslCname for HTTPS scoring.");
    }
    for (const key of ["sslCertPemFile", "sslKeyPemFile"]) {
      if (setting(settings, key) !== undefined) report(`The Azure ML extension must keep ${key} in configurationProtectedSettings.`);
    }
  }),
};

export const azureMlExtensionInternalInference: ResourceValidationPolicy = {
  name: "azure-kubernetesconfiguration-extension-azureml-internal-inference",
  description:
    "The Azure ML extension must expose its inference router only inside the network (a cluster IP, or an internal Azure load balancer) and install inference only.",
  severity: "high",
  remediationSteps:
    "Set `inferenceRouterServiceType: \"clusterIP\"` (behind your own ingress), or `\"loadBalancer\"` with `internalLoadBalancerProvider: \"azure\"`; set `enableTraining: \"False\"`.",
  ...mapped({
    atlas: ["AML.M0005", "AML.M0019"],
    nist: ["MEASURE-2.7"],
    tags: ["kubernetesconfiguration", "machinelearningservices", "network"],
  }),
  validateResource: azureMl((ext, report) => {
    const settings = ext.configurationSettings;
    const type = setting(settings, "inferenceRouterServiceType");
    const internal =
      sameEnum(type, "clusterIP") || (sameEnum(type, "loadBalancer") && sameEnum(setting(settings, "internalLoadBalancerProvider"), "azure"));
    if (isTrue(setting(settings, "enableInference")) && !internal) {
      report(`The Azure ML extension's inference router must be a cluster IP or an internal load balancer, got ${JSON.stringify(type ?? null)}.`);
    }
    if (isTrue(setting(settings, "enableTraining"))) report("The Azure ML extension must install inference only (enableTraining off).");
  }),
};

export const kubernetesConfigurationPolicies: readonly ResourceValidationPolicy[] = [azureMlExtensionHttpsOnly, azureMlExtensionInternalInference];
