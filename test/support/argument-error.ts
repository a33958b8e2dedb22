import { expect } from "vitest";
import { ComponentArgumentError } from "../../components/lib/errors";

/** `<type token>: [<argument path>] <detail>`; the path may itself hold brackets (`roleAssignments[0].name`). */
const messageShape = /^(\S+): \[(.+?)\] (.+)$/s;

/**
 * Runs `construct` and asserts it throws, synchronously, exactly the `ComponentArgumentError`
 * whose message is `message`: the same component, argument path and wording, with the code
 * callers match on. The component and argument are compared field by field, so an error that
 * only reads right (a path spelled into the detail) does not pass.
 */
export function expectArgumentError(construct: () => unknown, message: string): ComponentArgumentError {
  const parts = messageShape.exec(message);
  if (parts === null) throw new Error(`not a component argument error message: ${message}`);
  const [, component, argument] = parts;
  let thrown: unknown;
  try {
    construct();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ComponentArgumentError);
  const error = thrown as ComponentArgumentError;
  expect({ code: error.code, component: error.component, argument: error.argument, message: error.message }).toEqual({
    code: "INVALID_ARGUMENT",
    component,
    argument,
    message,
  });
  return error;
}
