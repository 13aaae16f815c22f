/**
 * The lab's numeric inputs, checked against their own `min`/`max`/`step` attributes before anything is built
 * from them: an invalid value (−5 points, 5 000 over max = 2000, 0 epochs, text) is shown next to the controls
 * and nothing is generated or trained from it; it is never replaced by a default in silence.
 */

/** What a number input allows: an integer in min..max. */
export interface IntegerField {
  label: string;
  min: number;
  max: number;
}

/** The integer in `text` when it lies in the field's range, else the message that says why not. */
export function parseIntegerField(text: string, f: IntegerField): { value: number } | { error: string } {
  const t = text.trim();
  const x = Number(t);
  if (t === "" || !Number.isInteger(x) || x < f.min || x > f.max) return { error: `${f.label} must be an integer in ${f.min}..${f.max}, got ${t === "" ? "nothing" : `"${t}"`}` };
  return { value: x };
}

/** The field of an `<input type="number">` from its attributes. */
export function fieldOf(input: { min: string; max: string }, label: string): IntegerField {
  return { label, min: Number(input.min), max: Number(input.max) };
}
