import type { Resource } from "@pulumi/pulumi";
import type * as azureadSdk from "@pulumi/azuread";
import type * as applicationinsightsSdk from "@pulumi/azure-native/applicationinsights";
import type * as authorizationSdk from "@pulumi/azure-native/authorization";
import type * as containerregistrySdk from "@pulumi/azure-native/containerregistry";
import type * as containerserviceSdk from "@pulumi/azure-native/containerservice";
import type * as keyvaultSdk from "@pulumi/azure-native/keyvault";
import type * as kubernetesconfigurationSdk from "@pulumi/azure-native/kubernetesconfiguration";
import type * as machinelearningservicesSdk from "@pulumi/azure-native/machinelearningservices";
import type * as managedidentitySdk from "@pulumi/azure-native/managedidentity";
import type * as operationalinsightsSdk from "@pulumi/azure-native/operationalinsights";
import type * as securitySdk from "@pulumi/azure-native/security";
import type * as storageSdk from "@pulumi/azure-native/storage";
import type * as githubSdk from "@pulumi/github";
import type * as admissionregistrationV1Sdk from "@pulumi/kubernetes/admissionregistration/v1";
import type * as appsV1Sdk from "@pulumi/kubernetes/apps/v1";
import type * as batchV1Sdk from "@pulumi/kubernetes/batch/v1";
import type * as coreV1Sdk from "@pulumi/kubernetes/core/v1";
import type * as rbacV1Sdk from "@pulumi/kubernetes/rbac/v1";

// The resource classes the policies name (`validateResourceOfType(storage.StorageAccount, ...)`),
// as stand-ins that carry only the class's type token. Importing the provider SDKs at run time
// cost the pack process ~0.17 s of CPU at every start, in the offline preview and in every
// `pulumi preview --policy-pack` (node --cpu-prof: @pulumi/azure-native ~110 ms, @pulumi/github
// ~34, @pulumi/kubernetes ~16, @pulumi/azuread ~14), for a string per class: @pulumi/policy reads
// nothing of a class but its static `__pulumiType` (validateResourceOfType copies it onto the
// validation, which the server's not-applicable check reads; isType/asType compare it and fall
// back to `isInstance` only for a class without one). The SDKs are imported as types only, so
// each policy still gets its resource's typed properties.
// test/policies/type-tokens.test.ts holds every token equal to the real class's, and the pack
// free of the SDKs.

type ResourceClass = abstract new (...args: never[]) => Resource;

/** A stand-in for the resource class `C` with `C`'s type token: only for @pulumi/policy's type helpers. */
function typeToken<C extends ResourceClass>(token: string): C {
  // Not a class: constructing it or calling its statics (isInstance, get) throws.
  return Object.freeze({ __pulumiType: token }) as unknown as C;
}

export const applicationinsights = Object.freeze({
  Component: typeToken<typeof applicationinsightsSdk.Component>("azure-native:applicationinsights:Component"),
});

export const authorization = Object.freeze({
  PolicyAssignment: typeToken<typeof authorizationSdk.PolicyAssignment>("azure-native:authorization:PolicyAssignment"),
  PolicyExemption: typeToken<typeof authorizationSdk.PolicyExemption>("azure-native:authorization:PolicyExemption"),
  RoleAssignment: typeToken<typeof authorizationSdk.RoleAssignment>("azure-native:authorization:RoleAssignment"),
  RoleDefinition: typeToken<typeof authorizationSdk.RoleDefinition>("azure-native:authorization:RoleDefinition"),
});

export const containerregistry = Object.freeze({
  CacheRule: typeToken<typeof containerregistrySdk.CacheRule>("azure-native:containerregistry:CacheRule"),
  Registry: typeToken<typeof containerregistrySdk.Registry>("azure-native:containerregistry:Registry"),
  Token: typeToken<typeof containerregistrySdk.Token>("azure-native:containerregistry:Token"),
  Webhook: typeToken<typeof containerregistrySdk.Webhook>("azure-native:containerregistry:Webhook"),
});

export const containerservice = Object.freeze({
  AgentPool: typeToken<typeof containerserviceSdk.AgentPool>("azure-native:containerservice:AgentPool"),
  ManagedCluster: typeToken<typeof containerserviceSdk.ManagedCluster>("azure-native:containerservice:ManagedCluster"),
});

export const keyvault = Object.freeze({
  Key: typeToken<typeof keyvaultSdk.Key>("azure-native:keyvault:Key"),
  Secret: typeToken<typeof keyvaultSdk.Secret>("azure-native:keyvault:Secret"),
  Vault: typeToken<typeof keyvaultSdk.Vault>("azure-native:keyvault:Vault"),
});

export const kubernetesconfiguration = Object.freeze({
  Extension: typeToken<typeof kubernetesconfigurationSdk.Extension>("azure-native:kubernetesconfiguration:Extension"),
});

export const machinelearningservices = Object.freeze({
  Compute: typeToken<typeof machinelearningservicesSdk.Compute>("azure-native:machinelearningservices:Compute"),
  OnlineEndpoint: typeToken<typeof machinelearningservicesSdk.OnlineEndpoint>("azure-native:machinelearningservices:OnlineEndpoint"),
  Workspace: typeToken<typeof machinelearningservicesSdk.Workspace>("azure-native:machinelearningservices:Workspace"),
});

export const managedidentity = Object.freeze({
  FederatedIdentityCredential: typeToken<typeof managedidentitySdk.FederatedIdentityCredential>(
    "azure-native:managedidentity:FederatedIdentityCredential",
  ),
});

export const operationalinsights = Object.freeze({
  Workspace: typeToken<typeof operationalinsightsSdk.Workspace>("azure-native:operationalinsights:Workspace"),
});

export const security = Object.freeze({
  Pricing: typeToken<typeof securitySdk.Pricing>("azure-native:security:Pricing"),
});

export const storage = Object.freeze({
  BlobContainer: typeToken<typeof storageSdk.BlobContainer>("azure-native:storage:BlobContainer"),
  BlobServiceProperties: typeToken<typeof storageSdk.BlobServiceProperties>("azure-native:storage:BlobServiceProperties"),
  StorageAccount: typeToken<typeof storageSdk.StorageAccount>("azure-native:storage:StorageAccount"),
});

export const azuread = Object.freeze({
  Application: typeToken<typeof azureadSdk.Application>("azuread:index/application:Application"),
  ApplicationCertificate: typeToken<typeof azureadSdk.ApplicationCertificate>("azuread:index/applicationCertificate:ApplicationCertificate"),
  ApplicationFederatedIdentityCredential: typeToken<typeof azureadSdk.ApplicationFederatedIdentityCredential>(
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
  ),
  ApplicationFlexibleFederatedIdentityCredential: typeToken<typeof azureadSdk.ApplicationFlexibleFederatedIdentityCredential>(
    "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
  ),
  ApplicationPassword: typeToken<typeof azureadSdk.ApplicationPassword>("azuread:index/applicationPassword:ApplicationPassword"),
  Group: typeToken<typeof azureadSdk.Group>("azuread:index/group:Group"),
  GroupWithoutMembers: typeToken<typeof azureadSdk.GroupWithoutMembers>("azuread:index/groupWithoutMembers:GroupWithoutMembers"),
  ServicePrincipalCertificate: typeToken<typeof azureadSdk.ServicePrincipalCertificate>(
    "azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
  ),
  ServicePrincipalPassword: typeToken<typeof azureadSdk.ServicePrincipalPassword>("azuread:index/servicePrincipalPassword:ServicePrincipalPassword"),
});

export const github = Object.freeze({
  ActionsEnvironmentSecret: typeToken<typeof githubSdk.ActionsEnvironmentSecret>("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"),
  ActionsOrganizationPermissions: typeToken<typeof githubSdk.ActionsOrganizationPermissions>(
    "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions",
  ),
  ActionsOrganizationSecret: typeToken<typeof githubSdk.ActionsOrganizationSecret>("github:index/actionsOrganizationSecret:ActionsOrganizationSecret"),
  ActionsOrganizationWorkflowPermissions: typeToken<typeof githubSdk.ActionsOrganizationWorkflowPermissions>(
    "github:index/actionsOrganizationWorkflowPermissions:ActionsOrganizationWorkflowPermissions",
  ),
  ActionsRepositoryPermissions: typeToken<typeof githubSdk.ActionsRepositoryPermissions>(
    "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions",
  ),
  ActionsSecret: typeToken<typeof githubSdk.ActionsSecret>("github:index/actionsSecret:ActionsSecret"),
  DependabotSecret: typeToken<typeof githubSdk.DependabotSecret>("github:index/dependabotSecret:DependabotSecret"),
  OrganizationRuleset: typeToken<typeof githubSdk.OrganizationRuleset>("github:index/organizationRuleset:OrganizationRuleset"),
  OrganizationWebhook: typeToken<typeof githubSdk.OrganizationWebhook>("github:index/organizationWebhook:OrganizationWebhook"),
  Repository: typeToken<typeof githubSdk.Repository>("github:index/repository:Repository"),
  RepositoryDependabotSecurityUpdates: typeToken<typeof githubSdk.RepositoryDependabotSecurityUpdates>(
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates",
  ),
  RepositoryDeploymentBranchPolicy: typeToken<typeof githubSdk.RepositoryDeploymentBranchPolicy>(
    "github:index/repositoryDeploymentBranchPolicy:RepositoryDeploymentBranchPolicy",
  ),
  RepositoryEnvironment: typeToken<typeof githubSdk.RepositoryEnvironment>("github:index/repositoryEnvironment:RepositoryEnvironment"),
  RepositoryEnvironmentDeploymentPolicy: typeToken<typeof githubSdk.RepositoryEnvironmentDeploymentPolicy>(
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  ),
  RepositoryRuleset: typeToken<typeof githubSdk.RepositoryRuleset>("github:index/repositoryRuleset:RepositoryRuleset"),
  RepositoryVulnerabilityAlerts: typeToken<typeof githubSdk.RepositoryVulnerabilityAlerts>(
    "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts",
  ),
  RepositoryWebhook: typeToken<typeof githubSdk.RepositoryWebhook>("github:index/repositoryWebhook:RepositoryWebhook"),
  WorkflowRepositoryPermissions: typeToken<typeof githubSdk.WorkflowRepositoryPermissions>(
    "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
  ),
});

export const admissionregistrationV1 = Object.freeze({
  MutatingWebhookConfiguration: typeToken<typeof admissionregistrationV1Sdk.MutatingWebhookConfiguration>(
    "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
  ),
  ValidatingWebhookConfiguration: typeToken<typeof admissionregistrationV1Sdk.ValidatingWebhookConfiguration>(
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
  ),
});

export const appsV1 = Object.freeze({
  DaemonSet: typeToken<typeof appsV1Sdk.DaemonSet>("kubernetes:apps/v1:DaemonSet"),
  Deployment: typeToken<typeof appsV1Sdk.Deployment>("kubernetes:apps/v1:Deployment"),
  ReplicaSet: typeToken<typeof appsV1Sdk.ReplicaSet>("kubernetes:apps/v1:ReplicaSet"),
  StatefulSet: typeToken<typeof appsV1Sdk.StatefulSet>("kubernetes:apps/v1:StatefulSet"),
});

export const batchV1 = Object.freeze({
  CronJob: typeToken<typeof batchV1Sdk.CronJob>("kubernetes:batch/v1:CronJob"),
  Job: typeToken<typeof batchV1Sdk.Job>("kubernetes:batch/v1:Job"),
});

export const coreV1 = Object.freeze({
  ConfigMap: typeToken<typeof coreV1Sdk.ConfigMap>("kubernetes:core/v1:ConfigMap"),
  Namespace: typeToken<typeof coreV1Sdk.Namespace>("kubernetes:core/v1:Namespace"),
  Pod: typeToken<typeof coreV1Sdk.Pod>("kubernetes:core/v1:Pod"),
  PodTemplate: typeToken<typeof coreV1Sdk.PodTemplate>("kubernetes:core/v1:PodTemplate"),
  ReplicationController: typeToken<typeof coreV1Sdk.ReplicationController>("kubernetes:core/v1:ReplicationController"),
  Secret: typeToken<typeof coreV1Sdk.Secret>("kubernetes:core/v1:Secret"),
  Service: typeToken<typeof coreV1Sdk.Service>("kubernetes:core/v1:Service"),
  ServiceAccount: typeToken<typeof coreV1Sdk.ServiceAccount>("kubernetes:core/v1:ServiceAccount"),
});

export const rbacV1 = Object.freeze({
  ClusterRole: typeToken<typeof rbacV1Sdk.ClusterRole>("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"),
  Role: typeToken<typeof rbacV1Sdk.Role>("kubernetes:rbac.authorization.k8s.io/v1:Role"),
});
