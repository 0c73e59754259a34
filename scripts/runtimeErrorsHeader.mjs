// Generates the C tables of the feature runtime's error texts from core/runtime/runtimeErrors.ts
// (compiled into dist/ by `npm run build`), the one source of truth: the texts are rendered with
// markers in place of the API, the name and the API-dependent parts (formatRuntimeErrorWith), and
// firmware/native/core/runtimeErrors.c expands the markers. A wording changed in TypeScript
// changes the C build's input instead of drifting; a text the markers can't express (every
// template is expanded back here and compared with formatRuntimeError) fails the build.
import { cString } from "./hostIdsHeader.mjs";

export const RUNTIME_ERRORS_SOURCE = "core/runtime/runtimeErrors.ts";

/** The markers, one byte each (no text of the runtime contains control characters). */
const M = { api: "\x01", name: "\x02", apiText: "\x04", apiBase: "\x05", servedBy: "\x06", code: "\x07" };
/** The native device is the device target. */
const TARGET = "device";
/** Beyond the highest API id, so the check covers ids the tables don't name. */
const CHECKED_EXTRA_IDS = 10;

const MARKER_PARTS = { apiText: (_api, name) => (name === undefined ? M.apiBase : M.apiText), apiBase: () => M.apiBase, servedBy: () => M.servedBy };

/** What runtimeErrors.c does with the tables, in JavaScript: the check that they say the same. */
function expand(tables, code, api, name) {
  const str = (v) => String(v);
  const id = typeof api === "number" && Number.isInteger(api) ? api : -1;
  const apiBase = () => (id >= 0 && id < tables.apiNames.length && tables.apiNames[id] !== null ? tables.apiNames[id] : tables.unknownApiBase.replaceAll(M.api, str(api)));
  const apiText = () => {
    if (name === undefined) return apiBase();
    const form = id >= 0 && id < tables.apiForms.length && tables.apiForms[id] !== null ? tables.apiForms[id] : tables.unknownApiForm.replaceAll(M.api, str(api));
    return form.replaceAll(M.name, str(name));
  };
  const servedBy = () => (id >= 0 && id < tables.servedBy.length ? tables.servedBy[id] : tables.servedByOther);
  const c = typeof code === "number" && Number.isInteger(code) && code >= 0 && code < tables.templates.length ? code : -1;
  const template = c < 0 ? tables.unknownCode : api === undefined && tables.templatesNoApi[c] !== null ? tables.templatesNoApi[c] : tables.templates[c];
  let out = "";
  for (const ch of template) {
    if (ch === M.api) out += str(api);
    else if (ch === M.name) out += str(name);
    else if (ch === M.apiText) out += apiText();
    else if (ch === M.apiBase) out += apiBase();
    else if (ch === M.servedBy) out += servedBy();
    else if (ch === M.code) out += str(code);
    else out += ch;
  }
  return out;
}

/** The tables; `errors` is the compiled module (RuntimeError, API_NAMES, RUNTIME_ERROR_PARTS,
 * formatRuntimeError, formatRuntimeErrorWith). */
export function runtimeErrorTables(errors) {
  const codes = Object.values(errors.RuntimeError).filter((v) => typeof v === "number").sort((a, b) => a - b);
  codes.forEach((code, i) => {
    if (code !== i) throw new Error(`${RUNTIME_ERRORS_SOURCE}: RuntimeError codes must run 0, 1, 2, … without gaps (runtimeErrors.c indexes a table by code); ${i} is missing`);
  });
  const apiIds = Object.keys(errors.API_NAMES).map(Number);
  const idCount = Math.max(...apiIds) + 1;
  const ids = Array.from({ length: idCount }, (_, id) => id);
  const { apiText, apiBase, servedBy } = errors.RUNTIME_ERROR_PARTS;
  const render = (code, api) => errors.formatRuntimeErrorWith(MARKER_PARTS, code, api, M.name, TARGET);
  for (const marker of Object.values(M)) {
    for (const code of codes) {
      if (errors.formatRuntimeError(code, "a", "n", TARGET).includes(marker)) throw new Error(`${RUNTIME_ERRORS_SOURCE}: error ${code}'s text contains the control character ${JSON.stringify(marker)}, which the C tables use as a marker`);
    }
  }
  const tables = {
    templates: codes.map((code) => render(code, M.api)),
    templatesNoApi: codes.map((code) => render(code, undefined)),
    unknownCode: errors.formatRuntimeErrorWith(MARKER_PARTS, M.code, M.api, M.name, TARGET),
    apiNames: ids.map((id) => (apiIds.includes(id) ? apiBase(id) : null)),
    apiForms: ids.map((id) => (apiIds.includes(id) ? apiText(id, M.name) : null)),
    unknownApiBase: apiBase(M.api),
    unknownApiForm: apiText(M.api, M.name),
    servedBy: ids.map((id) => servedBy(id)),
    servedByOther: servedBy(-1),
  };
  // An undefined API gets a text of its own only where it reads differently (flash is scarce).
  for (const code of codes) {
    const own = tables.templatesNoApi[code];
    tables.templatesNoApi[code] = null;
    if ([undefined, "n", 7].some((name) => expand(tables, code, undefined, name) !== errors.formatRuntimeError(code, undefined, name, TARGET))) tables.templatesNoApi[code] = own;
  }
  // The check: every code with API ids named and not, strings, undefined, and names or none.
  const apis = [undefined, "x", -1, 1.5, ...Array.from({ length: idCount + CHECKED_EXTRA_IDS }, (_, id) => id)];
  for (const code of [...codes, codes.length, -1, "x"]) {
    for (const api of apis) {
      for (const name of [undefined, "n", 7]) {
        const expected = errors.formatRuntimeError(code, api, name, TARGET);
        const got = expand(tables, code, api, name);
        if (got !== expected) {
          throw new Error(`${RUNTIME_ERRORS_SOURCE}: formatRuntimeError(${JSON.stringify(code)}, ${JSON.stringify(api)}, ${JSON.stringify(name)}) is "${expected}", but the C tables would word it "${got}": its texts depend on the API id or name in a way scripts/runtimeErrorsHeader.mjs and firmware/native/core/runtimeErrors.c don't express; change both`);
        }
      }
    }
  }
  return tables;
}

/** The header's text. */
export function runtimeErrorsHeader(errors) {
  const t = runtimeErrorTables(errors);
  const list = (name, items) => [`static const char* const ${name}[] = {`, ...items.map((s) => `  ${s === null ? "0" : cString(s)},`), "};"];
  return [
    `/* Generated by scripts/runtimeErrorsHeader.mjs from ${RUNTIME_ERRORS_SOURCE} (formatRuntimeErrorWith with markers): do not edit. */`,
    "#ifndef SF_RUNTIME_ERROR_TEXTS_H",
    "#define SF_RUNTIME_ERROR_TEXTS_H",
    "",
    `#define SF_RE_API ${M.api.charCodeAt(0)}`,
    `#define SF_RE_NAME ${M.name.charCodeAt(0)}`,
    `#define SF_RE_API_TEXT ${M.apiText.charCodeAt(0)}`,
    `#define SF_RE_API_BASE ${M.apiBase.charCodeAt(0)}`,
    `#define SF_RE_SERVED_BY ${M.servedBy.charCodeAt(0)}`,
    `#define SF_RE_CODE ${M.code.charCodeAt(0)}`,
    "",
    "/* By code; and when the API is undefined, where that reads differently (else 0). */",
    ...list("SF_RE_TEMPLATES", t.templates),
    ...list("SF_RE_TEMPLATES_NO_API", t.templatesNoApi),
    `#define SF_RE_CODE_COUNT ${t.templates.length}`,
    `static const char SF_RE_UNKNOWN_CODE[] = ${cString(t.unknownCode)};`,
    "",
    "/* By API id: its name, how it reads with the name it was called with, the target serving it. */",
    ...list("SF_RE_API_NAMES", t.apiNames),
    ...list("SF_RE_API_FORMS", t.apiForms),
    ...list("SF_RE_SERVED_BY_TARGET", t.servedBy),
    `#define SF_RE_API_COUNT ${t.apiNames.length}`,
    `static const char SF_RE_UNKNOWN_API_BASE[] = ${cString(t.unknownApiBase)};`,
    `static const char SF_RE_UNKNOWN_API_FORM[] = ${cString(t.unknownApiForm)};`,
    `static const char SF_RE_SERVED_BY_OTHER[] = ${cString(t.servedByOther)};`,
    "",
    "#endif",
    "",
  ].join("\n");
}
