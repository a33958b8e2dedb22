/**
 * The frameworks each policy is mapped to. Ids are typed so a typo fails to compile, and the
 * report prints its matrix from these titles and the policies' tags, never from a hand-kept list.
 */
export const atlasMitigations = {
  "AML.M0005": "Control Access to AI Models and Data at Rest",
  "AML.M0007": "Sanitize Training Data",
  "AML.M0011": "Restrict Library Loading",
  "AML.M0012": "Encrypt Sensitive Information",
  "AML.M0013": "Code Signing",
  "AML.M0014": "Verify AI Artifacts",
  "AML.M0016": "Vulnerability Scanning",
  "AML.M0019": "Control Access to AI Models and Data in Production",
  "AML.M0024": "AI Telemetry Logging",
} as const;
export type AtlasMitigation = keyof typeof atlasMitigations;

/** NIST AI RMF 1.0 subcategories used by the pack. */
export const nistAiRmf = {
  "GOVERN-1.4": "The risk management process and its outcomes are established through transparent policies, procedures, and other controls.",
  "GOVERN-6.1": "Policies and procedures address AI risks associated with third-party entities.",
  "MAP-4.1": "Approaches for mapping AI technology and legal risks of its components are in place and followed.",
  "MEASURE-2.4": "The functionality and behavior of the AI system and its components are monitored when in production.",
  "MEASURE-2.7": "AI system security and resilience are evaluated and documented.",
  "MANAGE-2.4": "Mechanisms are in place to supersede, disengage, or deactivate AI systems that demonstrate inconsistent performance.",
  "MANAGE-3.1": "AI risks and benefits from third-party resources are regularly monitored, and risk controls are applied and documented.",
  "MANAGE-3.2": "Pre-trained models used for development are monitored as part of AI system regular monitoring and maintenance.",
  "MANAGE-4.1": "Post-deployment AI system monitoring plans are implemented.",
} as const;
export type NistSubcategory = keyof typeof nistAiRmf;

/** Prefixes of the tags that carry a policy's mappings; `report` and the coverage tests parse them. */
export const tagPrefix = {
  atlas: "atlas:",
  nist: "nist-ai-rmf:",
  checkov: "checkov:",
  azurePolicy: "azure-policy:",
  scorecard: "scorecard:",
  allstar: "allstar:",
  legitify: "legitify:",
} as const;
