/**
 * JSON paths for messages about a JSON document a user gave (`$.deployment.resources[3].urn`):
 * where a value is wrong, and where a file that does not parse stops making sense, so a truncated
 * or hand-edited `pulumi stack export` is reported at the resource and property it broke.
 */

export type PathSegment = string | number;

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$`, then `.key` for plain keys, `["odd key"]` for others, `[i]` for array items. */
export function formatJsonPath(segments: readonly PathSegment[]): string {
  let out = "$";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += identifier.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** An ajv `instancePath` (`/deployment/resources/3/urn`) as segments. */
export function segmentsOfPointer(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^(0|[1-9]\d*)$/.test(p) ? Number(p) : p));
}

interface Frame {
  readonly kind: "object" | "array";
  /** The key of the member being read (objects) or the index of the item (arrays). */
  at: PathSegment | undefined;
  /** In an object: the next string is a key. */
  expectKey: boolean;
}

/**
 * The path of the value being read at `offset` of `text`, read as far as it goes: the place a
 * parser that stopped there was in. Tolerates any text (it never throws): what does not scan as
 * JSON is skipped.
 */
export function jsonPathAt(text: string, offset: number): PathSegment[] {
  const stack: Frame[] = [];
  const end = Math.min(offset, text.length);
  let i = 0;
  while (i < end) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\") {
          value += text.slice(j, j + 2);
          j += 2;
        } else value += text[j++];
      }
      // A key cut off by the end is not a key yet: the path stops at its object.
      if (top?.kind === "object" && top.expectKey && j < end) {
        top.at = decodeKey(value);
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === "{") stack.push({ kind: "object", at: undefined, expectKey: true });
    else if (c === "[") stack.push({ kind: "array", at: 0, expectKey: false });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === "," && top) {
      if (top.kind === "array") top.at = (top.at as number) + 1;
      else {
        top.expectKey = true;
        top.at = undefined;
      }
    }
    i++;
  }
  const path: PathSegment[] = [];
  for (const f of stack) {
    if (f.at === undefined) break;
    path.push(f.at);
  }
  return path;
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** The offset a `JSON.parse` error points at: its `position N`, or the end for a cut-off text. */
export function syntaxErrorOffset(message: string, text: string): number {
  const m = /position (\d+)/.exec(message);
  return m ? Number(m[1]) : text.length;
}
