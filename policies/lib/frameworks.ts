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

/**
 * The ATLAS techniques the pack's mitigations answer, as ATLAS 5.6.0 lists them (mitre-atlas/atlas-data
 * v5.6.1, `dist/ATLAS.yaml`: each mitigation's `techniques`). Sub-techniques carry their parent's name
 * first; the parents of answered sub-techniques are listed too (AML.T0002, AML.T0048), since the
 * Navigator shows a sub-technique under its parent. `report --format navigator` scores these in an
 * ATLAS Navigator layer; typed, so a mistyped id fails to compile.
 */
export const atlasTechniques = {
  "AML.T0002": "Acquire Public AI Artifacts",
  "AML.T0002.001": "Acquire Public AI Artifacts: Models",
  "AML.T0005": "Create Proxy AI Model",
  "AML.T0005.001": "Create Proxy AI Model: Train Proxy via Replication",
  "AML.T0007": "Discover AI Artifacts",
  "AML.T0010": "AI Supply Chain Compromise",
  "AML.T0010.001": "AI Supply Chain Compromise: AI Software",
  "AML.T0010.002": "AI Supply Chain Compromise: Data",
  "AML.T0010.003": "AI Supply Chain Compromise: Model",
  "AML.T0011": "User Execution",
  "AML.T0011.000": "User Execution: Unsafe AI Artifacts",
  "AML.T0011.001": "User Execution: Malicious Package",
  "AML.T0018": "Manipulate AI Model",
  "AML.T0018.000": "Manipulate AI Model: Poison AI Model",
  "AML.T0018.001": "Manipulate AI Model: Modify AI Model Architecture",
  "AML.T0018.002": "Manipulate AI Model: Embed Malware",
  "AML.T0019": "Publish Poisoned Datasets",
  "AML.T0020": "Poison Training Data",
  "AML.T0024": "Exfiltration via AI Inference API",
  "AML.T0024.000": "Exfiltration via AI Inference API: Infer Training Data Membership",
  "AML.T0024.001": "Exfiltration via AI Inference API: Invert AI Model",
  "AML.T0024.002": "Exfiltration via AI Inference API: Extract AI Model",
  "AML.T0025": "Exfiltration via Cyber Means",
  "AML.T0029": "Denial of AI Service",
  "AML.T0034": "Cost Harvesting",
  "AML.T0035": "AI Artifact Collection",
  "AML.T0040": "AI Model Inference API Access",
  "AML.T0042": "Verify Attack",
  "AML.T0043": "Craft Adversarial Data",
  "AML.T0043.000": "Craft Adversarial Data: White-Box Optimization",
  "AML.T0043.001": "Craft Adversarial Data: Black-Box Optimization",
  "AML.T0044": "Full AI Model Access",
  "AML.T0046": "Spamming AI System with Chaff Data",
  "AML.T0047": "AI-Enabled Product or Service",
  "AML.T0048": "External Harms",
  "AML.T0048.004": "External Harms: AI Intellectual Property Theft",
  "AML.T0051": "LLM Prompt Injection",
  "AML.T0051.000": "LLM Prompt Injection: Direct",
  "AML.T0051.001": "LLM Prompt Injection: Indirect",
  "AML.T0051.002": "LLM Prompt Injection: Triggered",
  "AML.T0053": "AI Agent Tool Invocation",
  "AML.T0059": "Erode Dataset Integrity",
  "AML.T0063": "Discover AI Model Outputs",
  "AML.T0085": "Data from AI Services",
  "AML.T0085.000": "Data from AI Services: RAG Databases",
  "AML.T0085.001": "Data from AI Services: AI Agent Tools",
  "AML.T0086": "Exfiltration via AI Agent Tool Invocation",
  "AML.T0101": "Data Destruction via AI Agent Tool Invocation",
} as const;
export type AtlasTechnique = keyof typeof atlasTechniques;

/** The techniques each mitigation answers (ATLAS 5.6.0, same source as `atlasTechniques`). */
export const mitigatedTechniques: Readonly<Record<AtlasMitigation, readonly AtlasTechnique[]>> = {
  "AML.M0005": ["AML.T0007", "AML.T0010.002", "AML.T0010.003", "AML.T0018", "AML.T0018.000", "AML.T0018.001", "AML.T0020", "AML.T0025", "AML.T0035", "AML.T0042", "AML.T0043.000", "AML.T0044", "AML.T0048.004"],
  "AML.M0007": ["AML.T0010.002", "AML.T0018.000", "AML.T0020", "AML.T0059"],
  "AML.M0011": ["AML.T0011", "AML.T0011.000", "AML.T0011.001"],
  "AML.M0012": ["AML.T0007", "AML.T0035", "AML.T0048.004", "AML.T0063"],
  "AML.M0013": ["AML.T0010.001", "AML.T0010.003", "AML.T0011.000", "AML.T0011.001", "AML.T0018", "AML.T0018.000", "AML.T0018.001", "AML.T0018.002"],
  "AML.M0014": ["AML.T0002.001", "AML.T0010", "AML.T0010.002", "AML.T0011", "AML.T0011.000", "AML.T0019"],
  "AML.M0016": ["AML.T0011", "AML.T0011.000", "AML.T0011.001"],
  "AML.M0019": ["AML.T0005", "AML.T0024", "AML.T0029", "AML.T0034", "AML.T0040", "AML.T0042", "AML.T0043", "AML.T0043.001", "AML.T0046", "AML.T0051", "AML.T0063"],
  "AML.M0024": ["AML.T0005.001", "AML.T0024", "AML.T0024.000", "AML.T0024.001", "AML.T0024.002", "AML.T0040", "AML.T0047", "AML.T0051", "AML.T0051.000", "AML.T0051.001", "AML.T0051.002", "AML.T0053", "AML.T0085", "AML.T0085.000", "AML.T0085.001", "AML.T0086", "AML.T0101"],
};

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
