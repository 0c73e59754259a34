import type { WireValue } from "../contracts/wireValue";

/** Property names the engine that runs feature code (Microvium, on every target) can't hold.
 * Its property names are small integers or interned strings, and it refuses a string of ASCII
 * digits as a name (microvium.c toPropertyName: vm_ramStringIsNonNegativeInteger, MVM_E_TYPE_ERROR):
 * "3", "03", "4294967296" fail; "", "-1", "1.5", "1e3", " 3", "+3" and non-ASCII digits work
 * (unholdableNames.test.ts asks the engine itself). "__proto__" too: the engine sets the
 * prototype with it, and from a message that stopped the whole app. A value from outside (a channel message,
 * JSON.parse's text) with such a name is refused before the VM reads it, so the app never sees
 * half a value and the report says which name and what to send instead. The check is made in the
 * walk that turns the value into the VM's tokens (TokenReader.load), as the C host's flatten does:
 * one walk of each value, not a check and then the tokens.
 * The C device host does the same check (firmware/native/core/unholdableNames.c); its words come
 * from deviceTexts.json and test/nativeEquivalence.test.ts holds the two to the same line. */

export function isUnholdableName(name: string): boolean {
  return unholdableReason(name) !== undefined;
}

/** Why the engine can't take `name` from outside: "digits" (error 12, the callback stops), or
 * "prototype": "__proto__" sets the object's prototype there, and a message carrying it stopped
 * the app's VM (MVM_E_NOT_IMPLEMENTED for an object, an assertion for a number: fatal). */
function unholdableReason(name: string): "digits" | "prototype" | undefined {
  if (/^[0-9]+$/.test(name)) return "digits";
  return name === "__proto__" ? "prototype" : undefined;
}

/** A name the engine can't hold and where it is in the value (`.zones["3"]`, `[2]["07"]`). */
export interface UnholdableName {
  name: string;
  path: string;
}

/** A member named `name` as the walks meet it: undefined when the engine holds the name, else the
 * name with the step to it. The walks are TokenReader.load (valueTokens.ts), which checks a value
 * from outside as it makes the VM's tokens of it, and findUnholdableName below. */
export function unholdableMember(name: string): UnholdableName | undefined {
  return isUnholdableName(name) ? { name, path: pathStep(name) } : undefined;
}

/** `found` inside the member `step` names (or at index `step` of an array): the step joins the path. */
export function unholdableWithin(step: string | number, found: UnholdableName): UnholdableName {
  return { name: found.name, path: `${typeof step === "number" ? `[${step}]` : pathStep(step)}${found.path}` };
}

/** The first name of `value` (depth first, in JavaScript's member order) the engine can't hold,
 * and where it is, or undefined when the engine holds all of it. For a value that leaves for a
 * device (featureVm.ts toDevice): one coming in is checked by the walk that makes its tokens. */
export function findUnholdableName(value: WireValue): UnholdableName | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = findUnholdableName(value[i]);
      if (inner) return unholdableWithin(i, inner);
    }
    return undefined;
  }
  for (const [name, item] of Object.entries(value)) {
    const found = unholdableMember(name);
    if (found) return found;
    const inner = findUnholdableName(item);
    if (inner) return unholdableWithin(name, inner);
  }
  return undefined;
}

/** `.name` for an ASCII identifier, else `["name"]` (JSON-quoted: the C host quotes alike). */
function pathStep(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** What is wrong with the value `found` is in and what to do. The words are the C host's phrases
 * UNHOLDABLE_PROPERTY_NAME, UNHOLDABLE_AT and UNHOLDABLE_*_FIX. */
export function unholdableNameProblem(found: UnholdableName): string {
  const why =
    unholdableReason(found.name) === "digits"
      ? `is digits only, which the engine that runs feature code can't hold; send an array, or names that don't start with a digit, e.g. "k3"`
      : `would set the object's prototype in the engine that runs feature code, which stops the app; send another name`;
  return `property name ${JSON.stringify(found.name)} (at ${found.path}) ${why}`;
}
