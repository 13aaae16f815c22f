import { expect, test } from "vitest";
import { referenceDenseJacobian } from "../../src/reference/jacobian.js";
import { randomMlp, randomPoints } from "../support/models.js";
import { fdJacobian, pointsAwayFromKinks, relError } from "../support/reference.js";

test("the float64 reference Jacobian of dense networks equals central finite differences", () => {
  for (const act of ["relu", "leakyRelu", "tanh", "softplus"] as const) {
    const model = randomMlp([9, 14, 11, 4], 5, act, "softmax", 0.2);
    const X = pointsAwayFromKinks(model, randomPoints(20, 9, 3), 9, 3, 1e-4);
    for (let i = 0; i < 3; i++) {
      const x = X.subarray(i * 9, i * 9 + 9);
      expect(relError(referenceDenseJacobian(model, x), fdJacobian(model, x))).toBeLessThan(1e-7);
    }
  }
});
