/** Texts a small image leaves to the host. The Cortex-M0+ image (built with SF_CODED_TEXTS=1)
 * writes a compact code where the other builds write words: the engine's error texts, the
 * feature runtime's and the phrases of devicePhrases.ts. The host side expands the codes
 * wherever device text arrives (the co-processor's link messages, firmware/coprocessor/
 * linkMessages.ts), to the same words the posix build prints: its texts come from the same
 * sources (core/engine/errors.ts, core/runtime/runtimeErrors.ts, deviceTexts.json, from which
 * scripts/deviceTextsHeader.mjs generates the C side).
 *
 * A code on the wire: START, a kind byte, then the kind's arguments, each ended by END. START
 * and END are bytes that never occur in UTF-8, so no text of an app or a manifest can be taken
 * for a code, and the C side's JSON escaping (bytes from 0x80 pass unchanged) leaves them alone.
 * - ENGINE: the engine error code, in decimal (describeErrorCode).
 * - RUNTIME: code, api, name (formatRuntimeError's arguments), each a PRIMITIVE tag and its text.
 * - PHRASE: the index of a phrase in deviceTexts.json's phrases, in decimal. */
import { describeErrorCode } from "../../core/engine/errors";
import { formatRuntimeError } from "../../core/runtime/runtimeErrors";
import table from "./deviceTexts.json";

export const CODED = {
  START: table.coded.start,
  END: table.coded.end,
  ENGINE: table.coded.engine.charCodeAt(0),
  RUNTIME: table.coded.runtime.charCodeAt(0),
  PHRASE: table.coded.phrase.charCodeAt(0),
};
/** The tag before a runtime error's argument: which JavaScript type its text is. */
const TAG = table.coded.tags;
/** The phrases by index, as the device sends them. */
export const DEVICE_PHRASES: readonly string[] = Object.values(table.phrases);

/** Where the text sits: plain text (an OTA reason, a log line printed as it is), or inside the
 * strings of a JSON document (a published payload): there the arguments arrive JSON-escaped and
 * the words go back escaped. */
export type TextContext = "text" | "json";

const ARGUMENTS: Record<number, number> = { [CODED.ENGINE]: 1, [CODED.RUNTIME]: 3, [CODED.PHRASE]: 1 };
/** What the device's posix build writes for an argument it could not represent (runtimeErrors.c). */
const OTHER_VALUE = "[object]";

/** `bytes` with every well-formed code replaced by its words; anything else (a code cut short by
 * a full buffer, an index this host doesn't know) stays as it came, byte for byte. */
export function expandDeviceText(bytes: Uint8Array, context: TextContext): Buffer {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!input.includes(CODED.START)) return input;
  const parts: Buffer[] = [];
  let copied = 0;
  for (let at = input.indexOf(CODED.START); at >= 0; at = input.indexOf(CODED.START, at + 1)) {
    const code = readCode(input, at, context);
    if (!code) continue;
    parts.push(input.subarray(copied, at), Buffer.from(context === "json" ? JSON.stringify(code.words).slice(1, -1) : code.words, "utf8"));
    copied = code.end;
    at = code.end - 1;
  }
  parts.push(input.subarray(copied));
  return Buffer.concat(parts);
}

function readCode(input: Buffer, at: number, context: TextContext): { words: string; end: number } | undefined {
  const kind = input[at + 1];
  const count = ARGUMENTS[kind];
  if (count === undefined) return undefined;
  const args: string[] = [];
  let end = at + 2;
  for (let i = 0; i < count; i++) {
    const stop = input.indexOf(CODED.END, end);
    const start = input.indexOf(CODED.START, end);
    if (stop < 0 || (start >= 0 && start < stop)) return undefined;
    args.push(unescape(input.toString("utf8", end, stop), context));
    end = stop + 1;
  }
  const words = wordsOf(kind, args);
  return words === undefined ? undefined : { words, end };
}

function wordsOf(kind: number, args: string[]): string | undefined {
  switch (kind) {
    case CODED.ENGINE:
      return /^-?\d+$/.test(args[0]) ? describeErrorCode(Number(args[0])) : undefined;
    case CODED.PHRASE:
      return /^\d+$/.test(args[0]) ? DEVICE_PHRASES[Number(args[0])] : undefined;
    default: {
      const values = args.map(primitiveOf);
      return values.every((v) => v !== INVALID) ? formatRuntimeError(values[0], values[1], values[2], "device") : undefined;
    }
  }
}

const INVALID = Symbol("invalid");

function primitiveOf(arg: string): unknown {
  const text = arg.slice(1);
  switch (arg[0]) {
    case TAG.undefined: return undefined;
    case TAG.null: return null;
    case TAG.boolean: return text === "true";
    case TAG.number: return Number(text);
    case TAG.string: return text;
    case TAG.other: return OTHER_VALUE;
    default: return INVALID;
  }
}

/** An argument as the device had it: inside JSON it was escaped with the rest of the string. */
function unescape(text: string, context: TextContext): string {
  if (context === "text") return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
