/** Test helper: run `fn`, require that it throws an instance of `type` whose message matches `message`. */
import { expect } from "vitest";
import { FoliateError } from "../../src/errors.js";

export function expectFoliateError(fn: () => unknown, type: abstract new (...args: never[]) => FoliateError, message: RegExp): FoliateError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${type.name} matching ${message}`).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(message);
  return err as FoliateError;
}
