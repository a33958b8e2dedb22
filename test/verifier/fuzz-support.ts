import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { MODELS_ANNOTATION, WORKLOAD_KINDS } from "../../verifier/workload";
import type { ReviewAnswer } from "../../verifier/service";
import { D, REG, type Behaviour } from "./fakes";
import { fixture } from "./helpers";

/**
 * The fuzz oracle and mutators. The oracle is independent of the extractor: it walks the whole
 * object (bar metadata and status) for every `image` string and image-volume `reference`, and
 * the models annotations, and says whether an allow would let an unproven reference run.
 */

export const GOOD: Record<string, Behaviour> = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7", "8"].map((c) => [D(c), "signed" as Behaviour]));
export const GOOD_REFS = new Set([
  `${REG}/ml/serving@${D("1")}`,
  `${REG}/ml/metrics-sidecar@${D("2")}`,
  `${REG}/ml/model-fetch@${D("3")}`,
  `${REG}/models/sentiment@${D("4")}`,
  `${REG}/tools/debug@${D("5")}`,
  `${REG}/models/sentiment-weights@${D("6")}`,
  `${REG}/ml/auth-proxy@${D("7")}`,
  `${REG}/ml/evaluator@${D("8")}`,
]);
export const FIXTURES = ["pod", "pod-init-container", "pod-image-volume", "pod-ephemeral-containers", "deployment", "deployment-dry-run", "cronjob", "pod-delete"] as const;
export const BAD_REFS = [
  `${REG}/ml/serving:latest`,
  `evil.example.com/ml/serving@${D("1")}`,
  `${REG}/ml/serving@${D("f")}`,
  `${REG}/ml/serving@sha512:${"1".repeat(128)}`,
  "nginx",
  "",
  " ",
  `${REG}/ml/serving@${D("1")} `,
  `${REG.toUpperCase()}/ML/serving@${D("1")}`,
  `${REG}/ml/serving@${D("1")}@${D("1")}`,
  `${REG}/../ml/serving@${D("1")}`,
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every image-like reference the object names, wherever it is (an over-approximation of the extractor). */
function referencesIn(object: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number, skipMeta: boolean): void => {
    if (depth > 60) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1, false);
      return;
    }
    if (!isRecord(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === "status" || k === "oldObject") continue;
      if (k === "metadata") {
        if (isRecord(x) && isRecord(x["annotations"]) && MODELS_ANNOTATION in x["annotations"]) {
          const raw = x["annotations"][MODELS_ANNOTATION];
          try {
            const list: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
            if (Array.isArray(list)) out.push(...(list as unknown[]));
            else out.push(list);
          } catch {
            out.push(raw);
          }
        }
        if (skipMeta) continue;
        continue;
      }
      if (k === "image" && typeof x === "string") out.push(x);
      if (k === "image" && isRecord(x) && "reference" in x) out.push(x["reference"]);
      walk(x, depth + 1, true);
    }
  };
  walk(object, 0, true);
  return out;
}

/** Why this answer is wrong, or undefined when it is acceptable. */
export function violation(body: unknown, answer: ReviewAnswer): string | undefined {
  if (answer.status === 400) return undefined;
  if ((answer.status as number) !== 200) return `status ${answer.status as number}`;
  const out = answer.body;
  if (out.apiVersion !== "admission.k8s.io/v1" || out.kind !== "AdmissionReview") return "wrong envelope";
  const response = out.response as unknown as Record<string, unknown>;
  if ("patch" in response || "patchType" in response) return "a patch";
  const request = isRecord(body) && isRecord(body["request"]) ? body["request"] : undefined;
  if (!request || response["uid"] !== request["uid"]) return "uid not echoed";
  if (response["allowed"] === false) {
    const status = response["status"] as { code?: number; message?: string } | undefined;
    return status && typeof status.code === "number" && status.code >= 400 && typeof status.message === "string" && status.message.length > 0 ? undefined : "a deny without status";
  }
  if (response["allowed"] !== true) return "allowed is not a boolean";
  const kind = isRecord(request["kind"]) ? `${String(request["kind"]["group"])}/${String(request["kind"]["kind"])}` : "";
  const op = request["operation"];
  const sub = request["subResource"] ?? "";
  const ns = request["namespace"];
  if (op !== "CREATE" && op !== "UPDATE") return undefined;
  if (!WORKLOAD_KINDS.includes(kind)) return undefined;
  if (sub !== "" && !(kind === "/Pod" && sub === "ephemeralcontainers")) return undefined;
  if (ns === "kube-system" || ns === "secure-mlops-verifier") return undefined;
  if (ns === "ml-sandbox") return undefined;
  const bad = referencesIn(request["object"]).filter((r) => typeof r !== "string" || !GOOD_REFS.has(r));
  return bad.length > 0 ? `allowed with unproven ${JSON.stringify(bad.slice(0, 3))}` : undefined;
}

/** Paths to every node of a JSON value (for picking a place to mutate). */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  out.push(prefix);
  if (depth > 20) return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out, depth + 1));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out, depth + 1);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  let node: Json = root;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, Json>)[step as string]!;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete (node as Record<string, Json>)[last as string];
  } else (node as Record<string | number, Json>)[last as string] = value;
  return root;
}

const PATH_CACHE = new Map<string, (string | number)[][]>();
/** The node paths of an unmutated fixture (the same for every fresh copy, so computed once). */
function fixturePaths(name: string, body: Json): (string | number)[][] {
  let p = PATH_CACHE.get(name);
  if (!p) PATH_CACHE.set(name, (p = paths(body)));
  return p;
}

const FIXTURE_CACHE = new Map<string, string>();
function fixtureText(name: string): string {
  let t = FIXTURE_CACHE.get(name);
  if (!t) FIXTURE_CACHE.set(name, (t = JSON.stringify(fixture(name))));
  return t;
}

/** A mutation of a valid review: structural, image injection, request fields, or bytes of the text. */
export const mutatedReview: fc.Arbitrary<string> = fc
  .record({
    name: fc.constantFrom(...FIXTURES),
    kind: fc.nat({ max: 9 }),
    pick: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
    bad: fc.constantFrom(...BAD_REFS),
    reqField: fc.constantFrom("uid", "kind", "resource", "operation", "namespace", "subResource", "object", "dryRun", "userInfo", "name"),
    reqValue: fc.oneof(
      fc.constantFrom<Json>("CREATE", "UPDATE", "DELETE", "CONNECT", "ephemeralcontainers", "status", "kube-system", "ml-sandbox", "", null, true, 0, [], {}),
      fc.constantFrom<Json>({ group: "apps", version: "v1", kind: "Deployment" }, { group: "", version: "v1", kind: "Pod" }, { group: "batch", version: "v1", kind: "CronJob" }, { group: "", version: "v1", kind: "ConfigMap" }),
    ),
    cut: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ name, kind, pick, value, bad, reqField, reqValue, cut, byte }) => {
    const text = fixtureText(name);
    if (kind === 0) return text.slice(0, cut % text.length);
    if (kind === 1) {
      const b = Buffer.from(text);
      b[cut % b.length] = byte;
      return b.toString("latin1");
    }
    const body = JSON.parse(text) as Json;
    const all = fixturePaths(name, body);
    const at = all[pick % all.length]!;
    if (kind === 2) setAt(body, at, undefined);
    else if (kind === 3) setAt(body, at, value);
    else if (kind <= 6) {
      const images = all.filter((p) => p[p.length - 1] === "image" || p[p.length - 1] === "reference");
      if (images.length > 0) setAt(body, images[pick % images.length]!, kind === 6 ? value : bad);
    } else if (kind === 7) {
      const request = (body as Record<string, Json>)["request"] as Record<string, Json>;
      request[reqField] = reqValue;
    } else if (kind === 8) {
      // a models annotation with a bad entry, on the workload
      const obj = ((body as Record<string, Json>)["request"] as Record<string, Json>)["object"] as Record<string, Json> | null;
      if (obj && typeof obj === "object") {
        const meta = (obj["metadata"] ??= {}) as Record<string, Json>;
        const ann = (meta["annotations"] ??= {}) as Record<string, Json>;
        ann[MODELS_ANNOTATION] = pick % 2 === 0 ? JSON.stringify([bad]) : (value as Json);
      }
    } else {
      // the same bad image added as an extra container, init container or ephemeral container
      const obj = ((body as Record<string, Json>)["request"] as Record<string, Json>)["object"] as Record<string, Json> | null;
      const specs = all.filter((p) => p[p.length - 1] === "containers" || p[p.length - 1] === "initContainers").map((p) => p.slice(0, -1));
      if (obj && specs.length > 0) {
        let node: Json = body;
        for (const step of specs[pick % specs.length]!) node = (node as Record<string | number, Json>)[step as string]!;
        const list = ["containers", "initContainers", "ephemeralContainers"][pick % 3]!;
        const spec = node as Record<string, Json>;
        spec[list] = [...(Array.isArray(spec[list]) ? (spec[list] as Json[]) : []), { name: "extra", image: bad }];
      }
    }
    return JSON.stringify(body);
  });

/** Arbitrary envelopes: right GVK with any request, or any JSON at all, or any string. */
export const generatedReview: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }).map((request) => JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request })),
  fc
    .record({
      uid: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
      kind: fc.constantFrom<Json>({ group: "", version: "v1", kind: "Pod" }, { group: "apps", version: "v1", kind: "Deployment" }, { group: "batch", version: "v1", kind: "CronJob" }),
      operation: fc.constantFrom("CREATE", "UPDATE"),
      namespace: fc.constantFrom("ml-serving", "default"),
      object: fc.jsonValue({ maxDepth: 6 }),
    })
    .map((r) => JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { ...r, resource: { group: "", version: "v1", resource: "pods" } } })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
);

/** Samples `total` values of `arb` in chunks, so they are never all in memory at once. */
export function* chunkedSample<T>(arb: fc.Arbitrary<T>, total: number, seed: number, chunk = 1000): Generator<T> {
  for (let done = 0, i = 0; done < total; i++) {
    const n = Math.min(chunk, total - done);
    yield* fc.sample(arb, { numRuns: n, seed: seed + i });
    done += n;
  }
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
