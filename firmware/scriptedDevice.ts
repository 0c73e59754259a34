/** The scripted mode of the TypeScript device host (firmware/native/ports/posix/scriptMode.c is
 * the native twin): a script of JSON lines drives time and inputs, the device prints what it
 * does as JSON lines, so one script can be run on both hosts and the outputs compared
 * (test/nativeEquivalence.test.ts). The formats are described in scriptMode.h.
 *
 * The device runs as a device installed over the air does: its manifest without callback sites
 * (the device package leaves them out), so failing callbacks are named by kind and number on both
 * hosts. Time is a ManualClock; the network an InMemoryTransport. */
import type { Manifest } from "../core/contracts/manifest";
import type { WireValue } from "../core/contracts/wireValue";
import { topics } from "../core/contracts/topics";
import { settingsShadowName } from "../core/settings/settingDecl";
import { shadowTopics } from "../core/shadow/shadowTopics";
import type { MicroviumEngine } from "../core/engine/types";
import { pinUseProblem, type BoardDefinition } from "../core/boards";
import { SimulatedBoard } from "./board";
import { ManualClock } from "./clock";
import { Device } from "./device";
import { parsePinSpec, type PinModel } from "./pinModel";
import { InMemoryTransport } from "./transport";

/** What both hosts use as the boot id in scripted mode, so envelope ids match. */
export const SCRIPT_BOOT_ID = "script";

export interface ScriptStep {
  advance?: number;
  pin?: string;
  deliver?: string;
  value?: WireValue;
  payload?: string;
  id?: string;
  /** The envelope's `p` (the sender's previous seq on the topic); absent: no `p` in the envelope. */
  p?: number;
  broadcast?: boolean;
  link?: "down" | "up";
  closeHandle?: number;
  /** An answer of the settings shadow ("get/accepted", ...), its `payload` as the service sends it. */
  shadow?: string;
}

const SHADOW_ANSWERS: Record<string, ["get" | "update", "accepted" | "rejected" | "delta"]> = {
  "get/accepted": ["get", "accepted"],
  "get/rejected": ["get", "rejected"],
  "update/delta": ["update", "delta"],
  "update/rejected": ["update", "rejected"],
};

export interface ScriptedRunOptions {
  manifest: Manifest;
  snapshot: Uint8Array;
  thing?: string;
  bootId?: string;
  /** PIN=MODEL specs (firmware/pinModel.ts). */
  pins?: string[];
  instructionBudget?: number;
  engine?: MicroviumEngine;
  /** The script's text (JSON lines) and its name for error messages. */
  script: string;
  scriptName?: string;
  /** Receives each output line (without the newline). */
  write: (line: string) => void;
}

/** Rounds of the event loop a step may take before the device counts as stuck (never reached:
 * a 500-message outbox refills 32 per round). */
const MAX_SETTLE_ROUNDS = 100_000;

/** Lets the promises of one step settle (publish acknowledgements, the outbox's refill), until
 * a round sends nothing more: the outbox refills once per round (ReliableOutbox.pumpSoon), and
 * the native host's scripted network delivers acknowledgements until none is left, so a burst
 * larger than the in-flight window leaves whole within the step on both hosts. */
async function settle(transport: InMemoryTransport): Promise<void> {
  const round = () => new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 4; i++) await round();
  for (let rounds = 0, sent = -1; sent !== transport.sent.length && rounds < MAX_SETTLE_ROUNDS; rounds++) {
    sent = transport.sent.length;
    await round();
  }
}

/** Parses a script; throws `name:line: problem` for a line that is not a known step, or a pin
 * step that is no pin model or (given the device's board) names no analog input of it: both
 * runtimes then refuse the script before the device runs, rather than one failing mid-run and
 * the other ignoring the step. */
export function parseScript(text: string, name = "script", board?: BoardDefinition): ScriptStep[] {
  const steps: ScriptStep[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${name}:${index + 1}`;
    let step: ScriptStep;
    try {
      step = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    if (typeof step !== "object" || step === null || Array.isArray(step)) throw new Error(`${where}: a script line is a JSON object`);
    if ("advance" in step) {
      if (typeof step.advance !== "number" || !(step.advance >= 0)) throw new Error(`${where}: "advance" takes milliseconds >= 0`);
    } else if ("pin" in step) {
      if (typeof step.pin !== "string") throw new Error(`${where}: "pin" takes PIN=MODEL`);
      let pin: string;
      try {
        pin = parsePinSpec(step.pin).pin;
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
      const problem = board && pinUseProblem(board, pin, "analog");
      if (problem) throw new Error(`${where}: pin model for ${pin}: ${problem}`);
    } else if ("deliver" in step) {
      if (typeof step.deliver !== "string" || (!("value" in step) && typeof step.payload !== "string") || (step.id !== undefined && typeof step.id !== "string") || (step.p !== undefined && typeof step.p !== "number")) {
        throw new Error(`${where}: "deliver" takes a channel name and a "value" (or a "payload" string; "id" a string, "p" a number)`);
      }
    } else if ("shadow" in step) {
      if (typeof step.shadow !== "string" || !Object.hasOwn(SHADOW_ANSWERS, step.shadow) || typeof step.payload !== "string") {
        throw new Error(`${where}: "shadow" takes an answer of the settings shadow (get/accepted, get/rejected, update/delta or update/rejected) and a "payload" string`);
      }
    } else if ("closeHandle" in step) {
      if (!Number.isInteger(step.closeHandle)) throw new Error(`${where}: "closeHandle" takes a handle number`);
    } else if (step.link !== "down" && step.link !== "up") {
      throw new Error(`${where}: unknown step; use advance, pin, deliver, shadow, link or closeHandle`);
    }
    steps.push(step);
  });
  return steps;
}

/** Boots the device, runs the script, prints the end counters and stops the device. */
export async function runScriptedDevice(options: ScriptedRunOptions): Promise<void> {
  const steps = parseScript(options.script, options.scriptName);
  const { write } = options;
  const thing = options.thing ?? "sim-1";
  const { callbackSites: _sites, ...manifest } = options.manifest;
  const clock = new ManualClock();
  const models: Record<string, PinModel> = {};
  for (const spec of options.pins ?? []) {
    const { pin, model } = parsePinSpec(spec);
    models[pin] = model;
  }
  const board = SimulatedBoard.forManifest(manifest, () => clock.now(), models);
  board.onDigitalWrite((w) => write(JSON.stringify({ pin: w.pin, value: w.value, t: w.at })));
  const transport = new InMemoryTransport();
  transport.onSend((m) => write(`{"topic":${JSON.stringify(m.topic)},"qos":${m.qos},"retain":${m.retain},"payload":${m.payload}}`));
  const device = await Device.boot({
    manifest,
    snapshot: options.snapshot,
    thing,
    board,
    clock,
    transport,
    engine: options.engine,
    bootId: options.bootId ?? SCRIPT_BOOT_ID,
    instructionBudget: options.instructionBudget,
    onLog: (line) => write(JSON.stringify({ echo: line })),
    onAppFailure: (f) => write(JSON.stringify({ failure: f.message, fatal: f.fatal, atStart: f.atStart })),
  });
  await settle(transport);
  let deliveries = 0;
  for (const step of steps) {
    if (step.advance !== undefined) {
      clock.advance(step.advance);
    } else if (step.pin !== undefined) {
      const { pin, model } = parsePinSpec(step.pin);
      board.setAnalogModel(pin, model);
    } else if (step.deliver !== undefined) {
      deliveries++;
      const topic = step.broadcast ? topics.broadcastDown(manifest.app, step.deliver) : topics.down(manifest.app, thing, step.deliver);
      const payload = step.payload !== undefined && !("value" in step) ? step.payload : JSON.stringify({ id: step.id ?? `script:${deliveries}`, v: step.value, t: clock.now(), p: step.p });
      transport.inject(topic, payload);
    } else if (step.shadow !== undefined) {
      const [op, answer] = SHADOW_ANSWERS[step.shadow];
      transport.inject(shadowTopics.response(thing, settingsShadowName(manifest.app), op, answer), step.payload!);
    } else if (step.closeHandle !== undefined) {
      device.supervisor.closeHandle(step.closeHandle);
    } else {
      transport.setConnected(step.link === "up");
    }
    await settle(transport);
  }
  const s = device.supervisor;
  write(
    JSON.stringify({
      end: {
        droppedMessages: s.droppedMessages,
        droppedLogs: s.droppedLogs,
        queuedMessages: s.queuedMessages,
        duplicatesDropped: s.duplicatesDropped,
        gapsSkipped: s.gapsSkipped,
        lateDropped: s.lateDropped,
        heldMessages: s.heldMessages,
        outages: s.outages,
        reconnects: s.reconnects,
        appErrors: s.appErrorCount,
      },
    }),
  );
  await device.stop();
  await settle(transport);
}
