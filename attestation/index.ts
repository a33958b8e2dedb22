// The attestation library: OMS manifests, in-toto statements, Sigstore bundles, signing,
// offline verification, evidence and policy. No HTTP and no CLI here; I/O only on given files.

export { verifyArtifact } from "./artifact";
export type { ArtifactVerification, EvidenceOutcome, PolicyOutcome, VerifyArtifactOptions } from "./artifact";

export {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  keyBundleJson,
  legacyPreAuthEncoding,
  parseBundle,
  preAuthEncoding,
} from "./bundle";
export type { BundleMaterial, BundleVersion, DsseEnvelope, DsseSignature, ParsedBundle } from "./bundle";

export { verifyCertificateChain } from "./chain";
export type { ChainOptions, VerifiedChain } from "./chain";

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
  InputErrorCode,
  ManifestErrorCode,
  PolicyFileErrorCode,
  SignatureErrorCode,
  SigningErrorCode,
  StatementErrorCode,
} from "./errors";

export {
  CYCLONEDX_PREDICATE_TYPE,
  EVALUATION_PREDICATE_TYPE,
  EVIDENCE_TYPES,
  LICENSE_PREDICATE_TYPE,
  VULNS_PREDICATE_TYPE,
  buildEvidence,
  buildMlBom,
  detectLicenseText,
  evidenceTypeOf,
  findLicenses,
  normaliseLicenseId,
  normaliseSeverity,
  parseFrontMatter,
  parseMetrics,
  parseScanReport,
  readEvidenceLines,
  signAndStoreEvidence,
  verifyEvidence,
} from "./evidence";
export type { BuildEvidenceOptions, EvidenceType, LicenseFinding, Metric, RejectedEvidence, ScanReport, Severity, VerifiedEvidence } from "./evidence";

export { readGitSource, redactRemote } from "./git";
export type { GitSource } from "./git";

export { closeHashPool, defaultHashConcurrency } from "./hash-pool";

export { describePublicKey, hashForCurve, loadCertificates, loadPrivateKey, loadPublicKey, parseCertificates, parsePrivateKey, parsePublicKey } from "./keys";
export type { CurveHash, EcCurve, LoadedPrivateKey, LoadedPublicKey } from "./keys";

export {
  DEFAULT_EVIDENCE_FILE,
  DEFAULT_IGNORED_PATHS,
  DEFAULT_SHARD_SIZE,
  DEFAULT_SIGNATURE_FILE,
  compareManifests,
  compareResourceNames,
  computeManifest,
  isSafeRelativePath,
  listModelFiles,
  parseResourceName,
  rootDigestOf,
} from "./manifest";
export type { HashProgress, HashType, Manifest, ManifestDifference, ManifestOptions, ManifestResource, Serialization, SerializationMethod } from "./manifest";

export { POLICY_API_VERSION, POLICY_KIND, POLICY_SCHEMA, evaluatePolicy, loadPolicy, parsePolicy } from "./policy";
export type { AttestationPolicy, EvaluationThreshold, LoadedPolicy, PolicyContext, PolicyFailure, PolicySigner } from "./policy";

export { attestDirectory, signStatement } from "./sign";
export type { AttestDirectoryOptions, AttestDirectoryResult, SignerSpec } from "./sign";

export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  OMS_LEGACY_PREDICATE_TYPE,
  OMS_PREDICATE_TYPE,
  buildModelStatement,
  encodeStatement,
  parseModelStatement,
  parseStatement,
} from "./statement";
export type { ArtifactKind, InTotoStatement, ModelStatement, StatementSubject } from "./statement";

export { defaultBundlePath, identityMatches, loadTrustedRoot, trustLabel, verifyBundleSignature, verifyDirectory, verifyWithAny } from "./verify";
export type {
  DirectoryVerification,
  IdentityMatcher,
  TrustedRootMaterial,
  TrustPolicy,
  VerificationFailure,
  VerifiedPayload,
  VerifiedSigner,
  VerifyDirectoryOptions,
} from "./verify";
