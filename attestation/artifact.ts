import * as path from "node:path";
import { InputError } from "./errors";
import type { RejectedEvidence, VerifiedEvidence } from "./evidence";
import { DEFAULT_EVIDENCE_FILE } from "./manifest";
import type { LoadedPolicy, PolicyFailure } from "./policy";
import { verifyDirectory, type DirectoryVerification, type TrustPolicy, type VerifyDirectoryOptions } from "./verify";

/**
 * Verification of a model or dataset as a whole: its OMS signature and files, then, when a
 * policy is given, its evidence and every policy rule. This is what `secure-mlops verify` and the
 * verifier service call.
 */

export interface VerifyArtifactOptions extends Omit<VerifyDirectoryOptions, "trust"> {
  /** Signers given by the caller; when empty, the policy's signers are used. */
  readonly trust: readonly TrustPolicy[];
  readonly policy?: LoadedPolicy;
  /** Evidence bundles (JSON Lines). @default model.evidence.jsonl beside the bundle */
  readonly evidenceFile?: string;
}

export interface PolicyOutcome {
  readonly file: string;
  /** False when the signature did not verify, so no rule could be judged. */
  readonly evaluated: boolean;
  readonly failures: readonly PolicyFailure[];
}

export interface EvidenceOutcome {
  readonly file: string;
  readonly accepted: readonly VerifiedEvidence[];
  readonly rejected: readonly RejectedEvidence[];
}

export interface ArtifactVerification extends DirectoryVerification {
  readonly policy?: PolicyOutcome;
  readonly evidence?: EvidenceOutcome;
}

/** Verifies signature, files, and (with a policy) evidence and policy rules; `verified` only when all pass. */
export async function verifyArtifact(options: VerifyArtifactOptions): Promise<ArtifactVerification> {
  const policySigners = options.policy?.signers ?? [];
  const trust = options.trust.length > 0 ? options.trust : policySigners;
  if (trust.length === 0) {
    throw new InputError("INPUT_OPTIONS_INVALID", "nothing to verify with: give a public key, a certificate root or an identity and issuer, or a policy with signers");
  }
  const directory = await verifyDirectory({ ...options, trust });
  if (!options.policy) return directory;
  const policyFile = options.policy.file;
  if (!directory.statement || !directory.bundle || !directory.signer) {
    return { ...directory, verified: false, policy: { file: policyFile, evaluated: false, failures: [] } };
  }
  const evidenceFile = path.resolve(options.evidenceFile ?? path.join(path.dirname(directory.bundlePath), DEFAULT_EVIDENCE_FILE));
  // evidence is only read with a policy; its module (and what it loads) stays out of a plain verify
  const [{ readEvidenceLines, verifyEvidence }, { evaluatePolicy }] = await Promise.all([import("./evidence"), import("./policy")]);
  const lines = await readEvidenceLines(evidenceFile);
  const evidenceTrust = [...trust, ...policySigners.filter((p) => !trust.includes(p))];
  const evidence = verifyEvidence(lines, evidenceTrust, directory.statement.rootDigest);
  const failures = evaluatePolicy(options.policy, { bundle: directory.bundle, statement: directory.statement, evidence });
  return {
    ...directory,
    verified: directory.verified && failures.length === 0,
    policy: { file: policyFile, evaluated: true, failures },
    evidence: { file: evidenceFile, ...evidence },
  };
}
