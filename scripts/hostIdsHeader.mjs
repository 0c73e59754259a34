// Generates the C header of the host-function ids, events, notifications and value token kinds
// from core/runtime/hostIds.ts and core/runtime/stdlib/hostIds.ts, the one source of truth
// (docs/architecture.md, "Host-function ids"). The native device's dispatcher switches over the
// generated enum without a default, so an id added or renamed in TypeScript fails the C build
// (-Werror=switch) instead of drifting.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export const HOST_ID_SOURCES = ["core/runtime/hostIds.ts", "core/runtime/stdlib/hostIds.ts"];

/** The enums and constants to export, by the C prefix their members get. */
const ENUMS = { HostId: "SF_HOST_", StdlibHostId: "SF_STDLIB_", VmEvent: "SF_EVENT_", Notification: "SF_NOTIFY_", Token: "SF_TOKEN_", CallbackSiteKind: "SF_SITE_" };
const CONSTANTS = { EXPORT_DISPATCH: "SF_EXPORT_DISPATCH", TOKENS_MARKER: "SF_TOKENS_MARKER" };

const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

/** Evaluates the enum members and constants of the source files (numeric literals, references
 * to members already seen, and implicit increments). */
function collect(root) {
  const values = new Map(); // "HostId.Log" -> 2
  const enums = new Map(); // "HostId" -> [[member, value]]
  const constants = new Map();
  const evaluate = (expr, where) => {
    if (ts.isNumericLiteral(expr)) return Number(expr.text);
    if (ts.isStringLiteral(expr)) return expr.text;
    if (ts.isPropertyAccessExpression(expr)) {
      const key = `${expr.expression.getText()}.${expr.name.text}`;
      if (values.has(key)) return values.get(key);
    }
    throw new Error(`${where}: can't evaluate "${expr.getText()}" for the C header`);
  };
  for (const file of HOST_ID_SOURCES) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    for (const statement of source.statements) {
      if (ts.isEnumDeclaration(statement) && ENUMS[statement.name.text]) {
        const members = [];
        let next = 0;
        for (const member of statement.members) {
          const name = member.name.getText();
          const value = member.initializer ? evaluate(member.initializer, `${file} ${statement.name.text}.${name}`) : next;
          members.push([name, value]);
          values.set(`${statement.name.text}.${name}`, value);
          next = value + 1;
        }
        enums.set(statement.name.text, members);
      } else if (ts.isVariableStatement(statement)) {
        for (const d of statement.declarationList.declarations) {
          const name = d.name.getText();
          if (CONSTANTS[name] && d.initializer) constants.set(name, evaluate(d.initializer, `${file} ${name}`));
        }
      }
    }
  }
  for (const name of Object.keys(ENUMS)) if (!enums.has(name)) throw new Error(`enum ${name} not found in ${HOST_ID_SOURCES.join(", ")}`);
  for (const name of Object.keys(CONSTANTS)) if (!constants.has(name)) throw new Error(`constant ${name} not found in ${HOST_ID_SOURCES.join(", ")}`);
  return { enums, constants };
}

/** A C string literal of UTF-8 text (non-ASCII and quotes as hex escapes). */
export function cString(text) {
  return `"${[...Buffer.from(text, "utf8")].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}""`)).join("")}"`;
}

/** SF_IMPORTED_CASE(id): `case id:` for a host function this image serves, nothing for one it
 * leaves out (its code, after the previous case's return, is unreachable and dropped with what
 * only it calls); SF_CASES_LEFT_OUT opens such a switch with `default: break;` so the ids left
 * out fall through to "not resolved". SF_IMPORTS(id): 1 or 0, a constant expression, for code
 * outside such a switch that only some functions need (standardLibrary.c's string buffers). */
function importedCases(enums, cNames, app) {
  if (!app) return ["/* Every host function is served (an image for any app). */", "#define SF_PER_APP_IMAGE 0", "#define SF_IMPORTED_CASE(id) case id:", "#define SF_CASES_LEFT_OUT", "#define SF_IMPORTS(id) 1"];
  const valueOf = new Map();
  for (const [enumName, members] of enums) {
    if (enumName !== "HostId" && enumName !== "StdlibHostId") continue;
    for (const [member, value] of members) if (member !== "StdlibBase") valueOf.set(`${ENUMS[enumName]}${snake(member)}`, value);
  }
  const known = new Set(cNames.map((c) => valueOf.get(c)));
  const unknown = app.imports.filter((id) => !known.has(id));
  if (unknown.length) throw new Error(`the app "${app.name}" imports host function${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}, which ${HOST_ID_SOURCES.join(" and ")} don't define: its snapshot was built by another snapfleet version; build the app again with this one (snapfleet build)`);
  const imported = new Set(app.imports);
  return [
    `/* An image for the app ${JSON.stringify(app.name)} alone: the ${imported.size} host functions its device snapshot imports. */`,
    "#define SF_PER_APP_IMAGE 1",
    `#define SF_APP_NAME ${cString(app.name)}`,
    "#define SF_IMPORTED_CASE(id) SF_IMPORTED_##id(case id:)",
    "#define SF_CASES_LEFT_OUT default: break;",
    "#define SF_IMPORTS(id) (SF_IMPORTED_##id(1) + 0)",
    ...cNames.map((c) => `#define SF_IMPORTED_${c}(label)${imported.has(valueOf.get(c)) ? " label" : ""}`),
  ];
}

/** The header's text. `app` ({ name, imports }, from scripts/snapshotImports.mjs): an image
 * for that app alone, whose host-function switches keep only the ids its snapshot imports (the
 * others' code is left out, and a snapshot importing one of them is refused at restore);
 * without it, every id is served. */
export function hostIdsHeader(root, app) {
  const { enums, constants } = collect(root);
  const lines = [
    `/* Generated by scripts/hostIdsHeader.mjs from ${HOST_ID_SOURCES.join(" and ")}: do not edit. */`,
    "#ifndef SF_HOST_IDS_H",
    "#define SF_HOST_IDS_H",
    "",
  ];
  for (const [name, prefix] of Object.entries(ENUMS)) {
    if (name === "StdlibHostId") continue; // merged into sf_HostId below
    const members = enums.get(name);
    if (name === "HostId") members.push(...enums.get("StdlibHostId").map(([m, v]) => [`Stdlib${m}`, v]));
    const typeName = name === "HostId" ? "sf_HostId" : `sf_${name}`;
    lines.push(`typedef enum ${typeName} {`);
    for (const [member, value] of members) {
      if (name === "HostId" && member === "StdlibBase") continue; // a range start, not a function: below
      const cName = member.startsWith("Stdlib") && name === "HostId" && member !== "StdlibBase" ? `${ENUMS.StdlibHostId}${snake(member.slice(6))}` : `${prefix}${snake(member)}`;
      lines.push(`  ${cName} = ${value},`);
    }
    lines.push(`} ${typeName};`, "");
  }
  // Each table's ids as an X-macro, so a C list of them (case labels) is written once.
  const runtimeIds = enums.get("HostId").filter(([m]) => m !== "StdlibBase" && !m.startsWith("Stdlib")).map(([m]) => `${ENUMS.HostId}${snake(m)}`);
  const stdlibIds = enums.get("StdlibHostId").map(([m]) => `${ENUMS.StdlibHostId}${snake(m)}`);
  lines.push(`#define SF_RUNTIME_HOST_IDS(X) ${runtimeIds.map((id) => `X(${id})`).join(" ")}`);
  lines.push(`#define SF_STDLIB_HOST_IDS(X) ${stdlibIds.map((id) => `X(${id})`).join(" ")}`);
  lines.push("#define SF_HOST_ID_CASE(id) case id:", "");
  lines.push(...importedCases(enums, [...runtimeIds, ...stdlibIds], app), "");
  lines.push(`#define SF_HOST_STDLIB_BASE ${enums.get("HostId").find(([m]) => m === "StdlibBase")[1]}`);
  lines.push(`#define ${CONSTANTS.EXPORT_DISPATCH} ${constants.get("EXPORT_DISPATCH")}`);
  const marker = constants.get("TOKENS_MARKER");
  lines.push(`#define ${CONSTANTS.TOKENS_MARKER} ${cString(marker)}`);
  lines.push(`#define ${CONSTANTS.TOKENS_MARKER}_LENGTH ${Buffer.byteLength(marker)}`);
  lines.push("", "#endif", "");
  return lines.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  process.stdout.write(hostIdsHeader(path.resolve(path.dirname(new URL(import.meta.url).pathname), "..")));
}
