import { ReviewError } from "./errors";

/**
 * AdmissionReview v1 in and out (kubernetes/api `admission/v1/types.go`). The parser checks the
 * type of every field the verifier reads and ignores fields it does not read (the API server adds
 * fields over time); anything else is a `ReviewError`, answered with HTTP 400, which the API
 * server turns into a denial under `failurePolicy: Fail`.
 */

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";
export const ADMISSION_KIND = "AdmissionReview";
/** The largest body read: the API server's 3 MiB request limit, with room for the envelope. */
export const MAX_REVIEW_BYTES = 4 * 1024 * 1024;

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
const OPERATIONS: readonly string[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource: string;
  readonly name: string;
  readonly namespace: string;
  readonly operation: Operation;
  /** Only the user name is kept: groups and `extra` may carry tokens or claims we must not log. */
  readonly username: string;
  /** `null` on DELETE. */
  readonly object: Readonly<Record<string, unknown>> | null;
  readonly dryRun: boolean;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: { readonly code: number; readonly message: string };
  readonly warnings?: readonly string[];
}

export interface AdmissionReviewOut {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: typeof ADMISSION_KIND;
  readonly response: AdmissionResponse;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shape(message: string): ReviewError {
  return new ReviewError("REVIEW_SHAPE", message);
}

function optionalString(o: Record<string, unknown>, key: string, where: string, max = 1024): string {
  const v = o[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw shape(`${where}.${key} must be a string`);
  if (v.length > max) throw shape(`${where}.${key} is longer than ${max} characters`);
  return v;
}

function requiredString(o: Record<string, unknown>, key: string, where: string, max = 1024): string {
  if (typeof o[key] !== "string") throw shape(`${where}.${key} must be a string`);
  return optionalString(o, key, where, max);
}

function gvk(v: unknown, where: string): GroupVersionKind {
  if (!isRecord(v)) throw shape(`${where} must be an object with group, version and kind`);
  return { group: requiredString(v, "group", where, 253), version: requiredString(v, "version", where, 63), kind: requiredString(v, "kind", where, 253) };
}

/**
 * Reads the uid of a body that may be malformed elsewhere, so a denial can still be addressed to
 * the request; `undefined` when there is no usable uid.
 */
export function uidOf(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body["request"])) return undefined;
  const uid = body["request"]["uid"];
  return typeof uid === "string" && uid.length > 0 && uid.length <= 256 ? uid : undefined;
}

/** Validates a decoded JSON body as an AdmissionReview v1 request. Throws `ReviewError`. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isRecord(body)) throw new ReviewError("REVIEW_NOT_ADMISSION_REVIEW", "the body is not a JSON object (expected an AdmissionReview)");
  if (body["kind"] !== ADMISSION_KIND) throw new ReviewError("REVIEW_NOT_ADMISSION_REVIEW", `kind must be "${ADMISSION_KIND}"`);
  if (body["apiVersion"] !== ADMISSION_API_VERSION) {
    throw new ReviewError("REVIEW_VERSION", `apiVersion must be "${ADMISSION_API_VERSION}" (set admissionReviewVersions: ["v1"] on the webhook)`);
  }
  const r = body["request"];
  if (!isRecord(r)) throw shape("request must be an object");
  const uid = requiredString(r, "uid", "request", 256);
  if (uid.length === 0) throw shape("request.uid must not be empty");
  const kind = gvk(r["kind"], "request.kind");
  const res = r["resource"];
  if (!isRecord(res)) throw shape("request.resource must be an object with group, version and resource");
  const resource = { group: requiredString(res, "group", "request.resource", 253), version: requiredString(res, "version", "request.resource", 63), resource: requiredString(res, "resource", "request.resource", 253) };
  const operation = r["operation"];
  if (typeof operation !== "string" || !OPERATIONS.includes(operation)) throw shape(`request.operation must be one of ${OPERATIONS.join(", ")}`);
  const object = r["object"];
  if (object !== undefined && object !== null && !isRecord(object)) throw shape("request.object must be an object or null");
  const dryRun = r["dryRun"];
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== "boolean") throw shape("request.dryRun must be a boolean");
  const userInfo = r["userInfo"];
  if (userInfo !== undefined && userInfo !== null && !isRecord(userInfo)) throw shape("request.userInfo must be an object");
  const op = operation as Operation;
  if ((op === "CREATE" || op === "UPDATE") && !isRecord(object)) throw shape(`request.object is required on ${op}`);
  return {
    uid,
    kind,
    resource,
    subResource: optionalString(r, "subResource", "request", 253),
    name: optionalString(r, "name", "request", 253),
    namespace: optionalString(r, "namespace", "request", 63),
    operation: op,
    username: isRecord(userInfo) ? optionalString(userInfo, "username", "request.userInfo", 1024) : "",
    object: isRecord(object) ? object : null,
    dryRun: dryRun === true,
  };
}

/** Decodes and validates a raw body: size first, then JSON, then shape. Throws `ReviewError`. */
export function parseAdmissionReviewText(text: string | Buffer): { request: AdmissionRequest; body: unknown } {
  if (text.length > MAX_REVIEW_BYTES) throw new ReviewError("REVIEW_TOO_LARGE", `the body is larger than ${MAX_REVIEW_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(typeof text === "string" ? text : text.toString("utf8"));
  } catch (err) {
    throw new ReviewError("REVIEW_NOT_JSON", "the body is not JSON", { cause: err });
  }
  return { request: parseAdmissionReview(body), body };
}

/** The answer envelope: exact GVK, the uid echoed, never a patch. */
export function reviewResponse(response: AdmissionResponse): AdmissionReviewOut {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}
