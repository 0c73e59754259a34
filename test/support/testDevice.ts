/** Devices as the device-level tests boot them: a manual clock and an in-memory link, so a test
 * advances time and reads what the device published without a broker. */
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { decodeEnvelope, encodeEnvelope } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import type { MicroviumEngine } from "../../core/engine/types";
import { SimulatedBoard } from "../../firmware/board";
import { ManualClock } from "../../firmware/clock";
import { Device } from "../../firmware/device";
import { constantModel } from "../../firmware/pinModel";
import { InMemoryTransport } from "../../firmware/transport";
import { writeApp } from "./tempFeatures";

const THING = "gh-1";

/** Messages the device published on a channel's up topic, decoded. */
export function sentOn(transport: InMemoryTransport, app: string, channel: string) {
  return transport.sent.filter((m) => m.topic === topics.up(app, THING, channel)).map((m) => decodeEnvelope(m.payload));
}

/** The grow-station example (or a build of it) on a board whose temperature and soil sensors
 * read constants (A2 21.46 °C, A3 1.65 V). */
export async function bootExample(build: CompileResult, engine: MicroviumEngine) {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const board = SimulatedBoard.forManifest(build.manifest, () => clock.now(), { A2: constantModel(21.46), A3: constantModel(1.65) });
  const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: THING, board, clock, transport, engine });
  return { device, clock, transport, board };
}

/** Builds a one-file app whose App body is `body` (writeApp) and boots its device snapshot. */
export async function bootApp(engine: MicroviumEngine, body: string, preamble = "") {
  const build = await compileFeatures({ entry: writeApp(body, preamble) });
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: THING, clock, transport, engine });
  const app = build.manifest.app;
  const sent = (channel: string) => sentOn(transport, app, channel).map((e) => e.v);
  const fromServer = (channel: string, value: unknown, seq: number) => transport.inject(topics.down(app, THING, channel), encodeEnvelope("srv", seq, value as never, clock.now()));
  const logs = () => transport.sent.filter((m) => m.topic === topics.log(app, THING)).map((m) => JSON.parse(m.payload).msg);
  return { build, device, clock, transport, sent, fromServer, logs };
}
