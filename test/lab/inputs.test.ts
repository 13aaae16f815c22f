/** lab/inputs.ts: the lab's integer fields refuse what their min/max do not allow, with a message naming both. */
import { describe, expect, test } from "vitest";
import { fieldOf, parseIntegerField } from "../../lab/inputs.js";

describe("parseIntegerField", () => {
  const points = fieldOf({ min: "20", max: "2000" }, "Points");
  test.each([["300", 300], ["20", 20], ["2000", 2000], [" 42 ", 42]])("accepts %s", (text, value) => {
    expect(parseIntegerField(text, points)).toEqual({ value });
  });
  test.each(["-5", "5000", "19", "2001", "2.5", "", "abc", "1e400", "NaN"])("refuses %j naming the range", (text) => {
    const r = parseIntegerField(text, points);
    expect("error" in r && r.error).toMatch(/^Points must be an integer in 20\.\.2000, got /);
  });
  test("Epochs = 0 is refused, never replaced by a default", () => {
    expect(parseIntegerField("0", fieldOf({ min: "1", max: "100000" }, "Epochs"))).toEqual({ error: 'Epochs must be an integer in 1..100000, got "0"' });
  });
});
