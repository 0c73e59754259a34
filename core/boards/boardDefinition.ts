/** A board definition: which pins a board has and what each can do. A contract between the
 * compiler (it refuses feature code that uses a pin the board lacks, or uses it the wrong way)
 * and the firmware (its board answers for exactly these pins). Plain JSON, so a board can be
 * a file: `snapfleet build --board my-board.json`.
 *
 * What a pin can do ("capabilities"):
 *  - "analog-in":   read as a number through `api.mcu.getAnalogPin(name).read()` (an ADC input)
 *  - "digital-in":  read as a boolean through `api.mcu.getDigitalPin(name).read()`
 *  - "digital-out": driven through `api.mcu.getDigitalPin(name).write(on)`
 * `getDigitalPin` needs one of the digital capabilities; a pin with "digital-in" only is
 * input-only (writing it fails the build where the compiler can see the write, else on the
 * device); a pin with "digital-out" only is output-only (reading returns the last value written). */
import { checkName } from "../contracts/names";

export const PIN_CAPABILITIES = ["analog-in", "digital-in", "digital-out"] as const;
export type PinCapability = (typeof PIN_CAPABILITIES)[number];

export interface BoardDefinition {
  /** Recorded in the manifest (`board`): lowercase letters, digits and '-'. */
  name: string;
  description?: string;
  /** Pin label as printed on the board → what it can do. Labels are case-sensitive. */
  pins: Record<string, PinCapability[]>;
}

/** How feature code uses a pin: getAnalogPin → "analog", getDigitalPin → "digital". */
export type PinUse = "analog" | "digital";

/** Labels feature code may pass to getAnalogPin/getDigitalPin. */
export const PIN_LABEL = /^[A-Za-z][A-Za-z0-9_]{0,15}$/;
const MAX_PINS = 256;

/** Checks a parsed board definition (from a JSON file or code) and returns it typed; throws one
 * error listing every problem, each naming its field. `source` names the file in the message. */
export function validateBoardDefinition(value: unknown, source = "board definition"): BoardDefinition {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${source}: a board definition is a JSON object {"name": "...", "pins": {"A0": ["analog-in"], ...}}`);
  }
  const board = value as Record<string, unknown>;
  const nameProblem = checkName("board", board.name);
  if (nameProblem) problems.push(`name: ${nameProblem}`);
  if (board.description !== undefined && typeof board.description !== "string") problems.push(`description must be a string`);
  const pins = board.pins;
  if (typeof pins !== "object" || pins === null || Array.isArray(pins)) {
    problems.push(`pins must be an object from pin label to capabilities, e.g. {"A0": ["analog-in"], "D2": ["digital-in", "digital-out"]}`);
  } else {
    const entries = Object.entries(pins);
    if (entries.length === 0) problems.push(`pins: the board has no pins`);
    if (entries.length > MAX_PINS) problems.push(`pins: ${entries.length} pins; at most ${MAX_PINS}`);
    for (const [label, capabilities] of entries) {
      if (!PIN_LABEL.test(label)) problems.push(`pins.${label}: a pin label is 1-16 letters, digits or '_', starting with a letter`);
      if (!Array.isArray(capabilities) || capabilities.length === 0 || capabilities.some((c) => !PIN_CAPABILITIES.includes(c))) {
        problems.push(`pins.${label}: ${JSON.stringify(capabilities)} is not a list of capabilities; use one or more of ${PIN_CAPABILITIES.map((c) => `"${c}"`).join(", ")}`);
      } else if (new Set(capabilities).size !== capabilities.length) problems.push(`pins.${label}: a capability is listed twice`);
    }
  }
  for (const key of Object.keys(board)) if (!["name", "description", "pins"].includes(key)) problems.push(`${key}: unknown field (a board has name, description and pins)`);
  if (problems.length) throw new Error(`${source}: invalid board definition:\n  - ${problems.join("\n  - ")}`);
  return board as unknown as BoardDefinition;
}

export function pinCapabilities(board: BoardDefinition, label: string): readonly PinCapability[] | undefined {
  return Object.hasOwn(board.pins, label) ? board.pins[label] : undefined;
}

/** Whether `getAnalogPin`/`getDigitalPin` may open this pin. */
export function canUse(capabilities: readonly PinCapability[], use: PinUse): boolean {
  return use === "analog" ? capabilities.includes("analog-in") : capabilities.includes("digital-in") || capabilities.includes("digital-out");
}

/** The labels usable one way, in the board's order. */
export function pinsFor(board: BoardDefinition, use: PinUse | PinCapability): string[] {
  return Object.entries(board.pins)
    .filter(([, caps]) => (use === "analog" || use === "digital" ? canUse(caps, use) : caps.includes(use)))
    .map(([label]) => label);
}

/** Why feature code may not use `label` as `use` on this board (undefined: it may). The one
 * text the compiler (with the author's file:line) and the firmware (at run time) both show. */
export function pinUseProblem(board: BoardDefinition, label: string, use: PinUse): string | undefined {
  const capabilities = pinCapabilities(board, label);
  const valid = `its ${use} pins are ${listPins(pinsFor(board, use))}`;
  if (!capabilities) {
    const sameLetters = Object.entries(board.pins).find(([p, caps]) => p.toLowerCase() === label.toLowerCase() && canUse(caps, use))?.[0];
    return `board "${board.name}" has no pin "${label}"${sameLetters ? ` (pin labels are case-sensitive: did you mean "${sameLetters}"?)` : ""}; ${valid}`;
  }
  if (!canUse(capabilities, use)) return `pin "${label}" of board "${board.name}" is ${capabilities.join(" + ")}, not ${use}; ${valid}`;
  return undefined;
}

/** Why `.write()` may not drive this pin (undefined: it may). */
export function pinWriteProblem(board: BoardDefinition, label: string): string | undefined {
  const capabilities = pinCapabilities(board, label);
  if (!capabilities || capabilities.includes("digital-out")) return undefined;
  return `pin "${label}" of board "${board.name}" is input-only (${capabilities.join(" + ")}): write() can't drive it; pins that can be written are ${listPins(pinsFor(board, "digital-out"))}`;
}

/** "A0-A7, D0-D13": runs of labels that differ only in a consecutive number are shown as ranges. */
export function listPins(labels: readonly string[]): string {
  if (labels.length === 0) return "(none)";
  const parts: string[] = [];
  let i = 0;
  while (i < labels.length) {
    const start = numbered(labels[i]);
    let j = i;
    while (start && j + 1 < labels.length) {
      const next = numbered(labels[j + 1]);
      if (!next || next.prefix !== start.prefix || next.number !== start.number + (j + 1 - i)) break;
      j++;
    }
    parts.push(j - i >= 2 ? `${labels[i]}-${labels[j]}` : labels.slice(i, j + 1).join(", "));
    i = j + 1;
  }
  return parts.join(", ");
}

function numbered(label: string): { prefix: string; number: number } | undefined {
  const m = /^(.*?)(\d+)$/.exec(label);
  return m && !/^0\d/.test(m[2]) ? { prefix: m[1], number: Number(m[2]) } : undefined;
}
