// Preloaded into a pack process by test/preview/shared-props.test.ts (NODE_OPTIONS=--require):
// every property value @pulumi/policy's server deserializes, and every resource it hands a stack
// policy, is behind a proxy that throws on any write. The patched server (patches/) shares one
// deserialized copy of a resource between the policies of a request (and one set of resource
// objects between the stack policies), so a policy that wrote to them would change what the next
// policy reads; under this preload it fails the request, naming the policy instead.
// A proxy, not Object.freeze: a write to a frozen object is silently dropped in sloppy code, and
// the server's unknownCheckingProxy no longer wraps the fields of a frozen object.
"use strict";
const deserialize = require("@pulumi/policy/deserialize");
const server = require("@pulumi/policy/server");

const proxies = new WeakMap();

function readOnly(value, where) {
  if (typeof value !== "object" || value === null) return value;
  const known = proxies.get(value);
  if (known) return known;
  const refuse = (what) => (_target, key) => {
    throw new TypeError(`a policy ${what} ${where}${typeof key === "symbol" ? "" : `.${String(key)}`}: the arguments of a policy are shared with the others`);
  };
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      const field = Reflect.get(target, key, receiver);
      // The proxy invariant: a non-configurable, non-writable own value must be returned as is.
      const own = Object.getOwnPropertyDescriptor(target, key);
      if (own && "value" in own && own.configurable === false && own.writable === false) return field;
      return readOnly(field, `${where}.${String(key)}`);
    },
    set: refuse("wrote"),
    deleteProperty: refuse("deleted"),
    defineProperty: refuse("defined"),
    setPrototypeOf: refuse("changed the prototype of"),
    preventExtensions: refuse("froze"),
  });
  proxies.set(value, proxy);
  return proxy;
}

const deserializeProperties = deserialize.deserializeProperties;
deserialize.deserializeProperties = (struct, proxySecrets) => readOnly(deserializeProperties(struct, proxySecrets), "props");

/** The policy with its stack validation given read-only resources (the same proxy for a resource throughout). */
function withReadOnlyResources(policy) {
  const validate = policy.validateStack;
  if (typeof validate !== "function") return policy;
  const guarded = (args, report) => validate({ ...args, resources: args.resources.map((r, i) => readOnly(r, `resources[${i}]`)) }, report);
  // validateStackResourcesOfType's type token, which the server reads before calling the validation.
  if (validate.__pulumiType !== undefined) guarded.__pulumiType = validate.__pulumiType;
  return { ...policy, validateStack: guarded };
}

const serve = server.serve;
server.serve = (name, version, level, args, initialConfig) =>
  serve(name, version, level, { ...args, policies: (args.policies ?? []).map(withReadOnlyResources) }, initialConfig);
