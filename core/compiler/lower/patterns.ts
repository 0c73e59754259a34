import * as t from "@babel/types";
import { helperCall, isRereadable, undef } from "./build";
import type { LoweringContext } from "./context";

/** One simple assignment a destructuring pattern expands to: `target = value`. Temporaries
 * (temp: true) hold a value read more than once (the source object, a value with a default). */
export interface PatternStep {
  target: t.Identifier | t.MemberExpression;
  value: t.Expression;
  temp: boolean;
}

/**
 * Expands `pattern = value` into simple steps, in JavaScript's evaluation order. Nested patterns,
 * defaults (applied when the value is undefined), object rest (__sf_objectRest: own keys except
 * the named ones) and array rest (__sf_arrayFrom) are supported. Array patterns index the source
 * (arrays, and strings through the string-member pass; Microvium has no iterator protocol).
 * `newTemp` makes a temporary: a fresh const in a declaration, a function-level let in an
 * assignment. `rereadIdentifiers`: in a declaration, a source that is an identifier can be read
 * again (the targets are new names); in an assignment a target could be that identifier.
 */
export function expandPattern(
  pattern: t.LVal,
  value: t.Expression,
  opts: { ctx: LoweringContext; newTemp: () => t.Identifier; rereadIdentifiers: boolean },
): PatternStep[] {
  const steps: PatternStep[] = [];
  const { ctx } = opts;

  /** A name for `value` that can be read several times. */
  const reusable = (value: t.Expression): t.Expression => {
    if (t.isIdentifier(value) ? opts.rereadIdentifiers || ctx.isTemp(value) : isRereadable(value)) return value;
    const id = opts.newTemp();
    steps.push({ target: id, value, temp: true });
    return t.cloneNode(id);
  };

  const expand = (pattern: t.LVal, value: t.Expression): void => {
    if (t.isIdentifier(pattern) || t.isMemberExpression(pattern)) {
      steps.push({ target: pattern, value, temp: false });
    } else if (t.isAssignmentPattern(pattern)) {
      const v = reusable(value);
      expand(pattern.left, t.conditionalExpression(t.binaryExpression("===", t.cloneNode(v), undef()), pattern.right, t.cloneNode(v)));
    } else if (t.isObjectPattern(pattern)) {
      const props = pattern.properties;
      const hasRest = props.some((p) => t.isRestElement(p));
      if (props.length === 0) {
        reusable(value); // evaluated for its side effects
        return;
      }
      const src = props.length === 1 && !hasRest ? value : reusable(value);
      const names: t.Expression[] = [];
      for (const prop of props) {
        if (t.isRestElement(prop)) {
          expand(prop.argument, helperCall("__sf_objectRest", [t.cloneNode(src), t.arrayExpression(names)]));
          continue;
        }
        let member: t.MemberExpression;
        if (prop.computed) {
          let key = prop.key as t.Expression;
          if (hasRest && !isRereadable(key)) {
            const id = opts.newTemp();
            steps.push({ target: id, value: key, temp: true });
            key = t.cloneNode(id);
          }
          names.push(t.cloneNode(key));
          member = t.memberExpression(t.cloneNode(src), key, true);
        } else if (t.isIdentifier(prop.key)) {
          names.push(t.stringLiteral(prop.key.name));
          member = t.memberExpression(t.cloneNode(src), t.identifier(prop.key.name));
        } else if (t.isStringLiteral(prop.key) || t.isNumericLiteral(prop.key)) {
          names.push(t.cloneNode(prop.key));
          member = t.isStringLiteral(prop.key) && t.isValidIdentifier(prop.key.value) ? t.memberExpression(t.cloneNode(src), t.identifier(prop.key.value)) : t.memberExpression(t.cloneNode(src), t.cloneNode(prop.key), true);
        } else {
          return ctx.fail(prop, "unsupported key in a destructuring pattern", "use a plain property name");
        }
        expand(prop.value as t.LVal, member);
      }
    } else if (t.isArrayPattern(pattern)) {
      const elements = pattern.elements;
      if (elements.length === 0) {
        reusable(value);
        return;
      }
      const src = reusable(value);
      elements.forEach((element, i) => {
        if (!element) return;
        if (t.isRestElement(element)) {
          expand(element.argument, helperCall("__sf_arrayFrom", [t.cloneNode(src), t.numericLiteral(i)]));
        } else {
          expand(element as t.LVal, t.memberExpression(t.cloneNode(src), t.numericLiteral(i), true));
        }
      });
    } else if (t.isRestElement(pattern)) {
      ctx.fail(pattern, "unexpected rest element", "use the rest element as the last element of an array or object pattern");
    } else {
      ctx.fail(pattern, `unsupported destructuring target ${pattern.type}`, "destructure into variables or properties");
    }
  };

  expand(pattern, value);
  return steps;
}

