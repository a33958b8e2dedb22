/** OCI distribution client: references, manifests and blobs, referrers in every layout. */
export * from "./errors";
export * from "./reference";
export * from "./oci";
export * from "./auth";
export * from "./client";
export * from "./referrers";
