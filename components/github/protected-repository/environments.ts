import type * as pulumi from "@pulumi/pulumi";
import { ProtectedEnvironment } from "../protected-environment";
import { deploymentBranchesOf, type ResolvedProtectedRepositoryArgs } from "./args";

/** The deployment environments, keyed by name, each reviewed by its teams and deployed from its branches. */
export function createEnvironments(
  parent: pulumi.Resource,
  a: ResolvedProtectedRepositoryArgs,
  repository: pulumi.Input<string>,
  branches: readonly pulumi.Resource[],
): Record<string, ProtectedEnvironment> {
  const environments: Record<string, ProtectedEnvironment> = {};
  for (const env of a.environments) {
    environments[env.name] = new ProtectedEnvironment(
      `${a.name}-env-${env.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      {
        repository,
        environment: env.name,
        reviewerTeams: env.reviewerTeams,
        waitTimerMinutes: env.waitTimerMinutes,
        deploymentBranches: deploymentBranchesOf(env, a.branches),
        variables: env.variables,
      },
      { parent, dependsOn: [...branches] },
    );
  }
  return environments;
}
