import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./all";

// With no --policy-pack-config every policy is mandatory: the pack is at its strictest
// (production). config/dev.json and config/staging.json relax what those environments may.
new PolicyPack("secure-mlops", {
  description: "Refuses insecure Azure, Entra ID and GitHub configuration of a secured MLOps platform before deployment.",
  displayName: "secure-mlops",
  provider: "azure",
  tags: ["mlops", "supply-chain", "mitre-atlas", "nist-ai-rmf"],
  enforcementLevel: "mandatory",
  policies: [...allPolicies],
});
