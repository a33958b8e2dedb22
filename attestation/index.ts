// `secure-mlops/attestation`: the verbs of the attestation library and the types they take and
// return. Sign a model or dataset folder (OMS `model.sig`) and evidence about it; verify them
// offline against a key, a certificate chain or a Sigstore identity, under a policy. Internals
// (manifest hashing, bundle and statement parsers) stay in their modules.

export { attestDirectory } from "./sign";
export type { AttestDirectoryOptions, AttestDirectoryResult, SignerSpec } from "./sign";

export { EVIDENCE_TYPES, buildEvidence, signAndStoreEvidence, verifyEvidence } from "./evidence";
export type { BuildEvidenceOptions, EvidenceType, RejectedEvidence, Severity, VerifiedEvidence } from "./evidence";

export { verifyDirectory } from "./verify";
export type { DirectoryVerification, IdentityMatcher, TrustPolicy, VerificationFailure, VerifiedSigner, VerifyDirectoryOptions } from "./verify";

export { verifyArtifact } from "./artifact";
export type { ArtifactVerification, EvidenceOutcome, PolicyOutcome, VerifyArtifactOptions } from "./artifact";

export { loadCertificates, loadPrivateKey, loadPublicKey } from "./keys";
export type { LoadedPrivateKey, LoadedPublicKey } from "./keys";
export { loadTrustedRoot } from "./verify";
export type { TrustedRootMaterial } from "./verify";
export { loadPolicy } from "./policy";
export type { AttestationPolicy, LoadedPolicy, PolicyFailure, PolicySigner } from "./policy";

export { DEFAULT_EVIDENCE_FILE, DEFAULT_SIGNATURE_FILE } from "./manifest";
export type { HashProgress, Manifest, SerializationMethod } from "./manifest";
export type { ArtifactKind } from "./statement";
export { closeHashPool } from "./hash-pool";

export {
  AttestationError,
  BundleError,
  InputError,
  ManifestError,
  PolicyFileError,
  SignatureError,
  SigningError,
  StatementError,
  isAttestationError,
} from "./errors";
export type {
  AttestationErrorCode,
  BundleErrorCode,
  FindingCode,
  InputErrorCode,
  ManifestErrorCode,
  PolicyFileErrorCode,
  SignatureErrorCode,
  SigningErrorCode,
  StatementErrorCode,
  VerificationFailureCode,
} from "./errors";
