/** Issue 12: the texts the Cortex-M0+ image sends as codes read, once the host has expanded them,
 * exactly as the posix build prints them. The real C sources (engineErrors.c, runtimeErrors.c,
 * the phrases of deviceTexts.json through sf_deviceTexts.h) are built twice, with and without
 * SF_CODED_TEXTS, and print every engine error, runtime errors over codes, API ids and names, and
 * every phrase, as plain text and JSON-escaped (as the supervisor publishes them); the coded
 * output, expanded by deviceTexts.ts, must equal the plain output byte for byte. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { API_NAMES, RuntimeError } from "../../core/runtime/runtimeErrors";
import { decodeMcuMessage, MSG, OTA_REPLY } from "../coprocessor/linkMessages";
import { CODED, DEVICE_PHRASES, expandDeviceText } from "./deviceTexts";
import table from "./deviceTexts.json";

const NATIVE = __dirname;
const ROOT = path.join(NATIVE, "../..");
/** Beyond the engine's highest code, so unknown codes are covered too. */
const ENGINE_CODES = Array.from({ length: 80 }, (_, i) => i - 1);

/** The C program: one result per line, as text and then JSON-escaped. */
function checkProgram(): string {
  const codes = Object.values(RuntimeError).filter((v): v is number => typeof v === "number");
  const apiIds = Object.keys(API_NAMES).map(Number);
  return [
    "#include <stdio.h>",
    '#include "engineErrors.h"',
    '#include "runtimeErrors.h"',
    '#include "sf_deviceTexts.h"',
    "static void line(sf_Text* t) {",
    "  sf_Text json;",
    "  sf_text_init(&json, 0);",
    '  sf_text_appendJsonString(&json, t->data ? t->data : "", t->length);',
    "  fwrite(t->data, 1, t->length, stdout), putchar('\\n');",
    "  fwrite(json.data, 1, json.length, stdout), putchar('\\n');",
    "  sf_text_free(&json), sf_text_free(t);",
    "}",
    "static const char* const PHRASES[] = {",
    ...Object.keys(table.phrases).map((name) => `  SF_TX_${name},`),
    "};",
    "int main(void) {",
    "  sf_Text t;",
    `  for (int code = ${ENGINE_CODES[0]}; code <= ${ENGINE_CODES.at(-1)}; code++) sf_text_init(&t, 0), sf_describeErrorCode(code, &t), line(&t);`,
    "  /* runtime errors: every code and one past; API ids named and not, and the other values the",
    "   * C tables are checked for (scripts/runtimeErrorsHeader.mjs), a string with quotes too */",
    '  sf_Primitive values[] = {sf_undefined(), sf_number(-1), sf_number(1.5), sf_string("x", 1), sf_string("n", 1), sf_string("say \\"hi\\"", 8)};',
    "  int valueCount = sizeof values / sizeof values[0];",
    `  for (int code = -1; code <= ${codes.length}; code++) {`,
    `    for (int api = -valueCount; api < ${Math.max(...apiIds) + 3}; api++) {`,
    "      for (int name = -1; name < valueCount; name++) {",
    "        sf_Primitive c = sf_number(code), a = api < 0 ? values[api + valueCount] : sf_number(api), n = name < 0 ? sf_number(7) : values[name];",
    "        sf_text_init(&t, 0), sf_formatRuntimeError(&c, &a, &n, &t), line(&t);",
    "      }",
    "    }",
    "  }",
    "  for (size_t i = 0; i < sizeof PHRASES / sizeof PHRASES[0]; i++) sf_text_init(&t, 0), sf_text_appendString(&t, PHRASES[i]), line(&t);",
    "  return 0;",
    "}",
    "",
  ].join("\n");
}

describe("texts the M0+ image sends as codes (deviceTexts.json)", function () {
  this.timeout(180_000);
  let dir: string;
  const output: Record<"plain" | "coded", Buffer[]> = { plain: [], coded: [] };
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-device-texts-"));
    const { GLUE, generatedHeaders } = await import(path.join(ROOT, "scripts/build-firmware.mjs"));
    const gen = path.join(dir, "gen");
    fs.mkdirSync(gen);
    for (const [name, text] of Object.entries(generatedHeaders() as Record<string, string>)) fs.writeFileSync(path.join(gen, name), text);
    fs.writeFileSync(path.join(dir, "textsCheck.c"), checkProgram());
    const sources = [path.join(dir, "textsCheck.c"), ...["engineErrors.c", "runtimeErrors.c", "textBuffer.c", "numberText.c", "utf16.c"].map((f) => path.join(NATIVE, "core", f)), path.join(NATIVE, "ports/posix/platform.c"), path.join(GLUE, "numberFormat.c")];
    const cc = process.env.CC || "cc";
    for (const mode of ["plain", "coded"] as const) {
      const program = path.join(dir, mode);
      const flags = ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L", `-DSF_CODED_TEXTS=${mode === "coded" ? 1 : 0}`, "-I", gen, "-I", path.join(NATIVE, "core"), "-I", GLUE];
      await promisify(execFile)(cc, [...flags, ...sources, "-lm", "-o", program], { maxBuffer: 8 * 1024 * 1024 });
      const { stdout } = await promisify(execFile)(program, [], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 });
      const lines: Buffer[] = [];
      for (let at = 0; at < stdout.length; ) {
        const end = stdout.indexOf(0x0a, at);
        lines.push(stdout.subarray(at, end));
        at = end + 1;
      }
      output[mode] = lines;
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("every coded text expands to the posix build's words, as text and inside JSON strings", () => {
    const { plain, coded } = output;
    assert.equal(coded.length, plain.length);
    assert.ok(plain.length > 2 * (ENGINE_CODES.length + DEVICE_PHRASES.length), `${plain.length} lines`);
    for (let i = 0; i < plain.length; i++) {
      assert.ok(coded[i].includes(CODED.START), `line ${i} is coded: ${coded[i].toString("latin1")}`);
      const context = i % 2 === 0 ? "text" : "json";
      assert.equal(expandDeviceText(coded[i], context).toString("utf8"), plain[i].toString("utf8"), `line ${i} (${context})`);
    }
  });

  it("codes are shorter than the words they stand for", () => {
    const sum = (lines: Buffer[]) => lines.reduce((n, l) => n + l.length, 0);
    assert.ok(sum(output.coded) * 3 < sum(output.plain), `coded ${sum(output.coded)} B, words ${sum(output.plain)} B`);
  });

  it("every phrase of the table is used by the C sources, and every SF_TX_ they use is in the table", () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.[ch]$/.test(entry.name)) for (const m of fs.readFileSync(file, "utf8").matchAll(/\bSF_TX_([A-Z0-9_]+)/g)) used.add(m[1]);
      }
    };
    walk(NATIVE);
    assert.deepEqual([...used].sort(), Object.keys(table.phrases).sort());
  });

  it("the header generator refuses a table whose codes could be taken for text, or a phrase it can't name", async () => {
    const { readDeviceTexts } = await import(path.join(ROOT, "scripts/deviceTextsHeader.mjs"));
    const refused = (change: (t: typeof table) => void, why: RegExp) => {
      const copy = JSON.parse(JSON.stringify(table));
      change(copy);
      const file = path.join(dir, "table.json");
      fs.writeFileSync(file, JSON.stringify(copy));
      assert.throws(() => readDeviceTexts(file), why);
    };
    refused((t) => (t.coded.start = 0x7b), /coded\.start must be a byte that never occurs in UTF-8/);
    refused((t) => (t.coded.end = t.coded.start), /coded\.start and coded\.end must differ/);
    refused((t) => (t.coded.tags.null = t.coded.tags.string), /distinct ASCII letters/);
    refused((t) => Object.assign(t.phrases, { "2_WORDS": "two words" }), /phrase name "2_WORDS" must be UPPER_CASE/);
    refused((t) => Object.assign(t.phrases, { EMPTY: "" }), /phrase EMPTY must be a non-empty string/);
  });

  it("anything that is not a whole code stays as it came, byte for byte", () => {
    const phrase = Buffer.from([CODED.START, CODED.PHRASE, ...Buffer.from("0"), CODED.END]);
    const samples = [
      Buffer.from("no code here, ünïcode too"),
      phrase.subarray(0, 3), // cut by a full buffer
      Buffer.from([CODED.START, CODED.PHRASE, ...Buffer.from(String(DEVICE_PHRASES.length)), CODED.END]), // an index this host doesn't know
      Buffer.from([CODED.START, 0x51, ...Buffer.from("0"), CODED.END]), // an unknown kind
      Buffer.from([CODED.START, CODED.RUNTIME, ...Buffer.from("n1"), CODED.END, ...Buffer.from("zq"), CODED.END, ...Buffer.from("u"), CODED.END]), // an unknown tag
    ];
    for (const sample of samples) assert.deepEqual(expandDeviceText(sample, "text"), sample);
    // A cut code before a whole one: the whole one is still expanded.
    assert.equal(expandDeviceText(Buffer.concat([phrase.subarray(0, 2), phrase]), "text").toString("latin1"), `\xff${String.fromCharCode(CODED.PHRASE)}${DEVICE_PHRASES[0]}`);
  });

  it("the co-processor expands an OTA reason and a published payload from the MCU", () => {
    const largerThanSlot = Object.keys(table.phrases).indexOf("PACKAGE_LARGER_THAN_SLOT");
    const code = (index: number) => Buffer.from([CODED.START, CODED.PHRASE, ...Buffer.from(String(index)), CODED.END]);
    const reply = decodeMcuMessage(Buffer.concat([Buffer.from([MSG.OTA_REPLY, OTA_REPLY.REJECTED]), Buffer.from("job-1\0"), code(largerThanSlot)]));
    assert.deepEqual(reply, { kind: "otaReply", reply: OTA_REPLY.REJECTED, jobId: "job-1", reason: "the package is larger than a slot" });
    const withQuote = Object.keys(table.phrases).indexOf("MANIFEST_APP_MUST_BE_NAME");
    const payload = Buffer.concat([Buffer.from('{"msg":"start failed: '), code(withQuote), Buffer.from('","t":1}')]);
    const topic = Buffer.from("sf/app/thing/log");
    const header = Buffer.alloc(9);
    header[0] = MSG.PUBLISH;
    header.writeUInt16LE(topic.length, 7);
    const message = decodeMcuMessage(Buffer.concat([header, topic, payload]));
    assert.equal(message?.kind, "publish");
    assert.deepEqual(JSON.parse((message as { payload: Buffer }).payload.toString("utf8")), { msg: 'start failed: manifest: "app" must be a name', t: 1 });
  });
});
