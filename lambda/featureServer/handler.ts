/** The server Lambda (lambda/featureServer): the app's server snapshot in our WebAssembly engine,
 * invoked by an IoT topic rule on the app's device topics with
 *   SELECT topic(3) AS thing, topic(4) AS channel, encode(*, 'base64') AS payload FROM 'sf/{app}/+/+/up'
 * Each invocation runs core/server's ServerHost without keeping VMs (another instance may have
 * moved a VM's state on): the VM is restored from DynamoDB, runs the message, is snapshotted and
 * stored with a conditional write, and only then are its sends published through the IoT data
 * plane and its alerts to SNS.
 *
 * A second rule on the settings shadows' `update/documents` topic invokes it with
 *   SELECT topic(3) AS thing, 'settings' AS change FROM '$aws/things/+/shadow/name/{app}-settings/update/documents'
 * so a device's onDevice handlers hear its reported settings change (read with GetThingShadow at
 * run time, so an older notice can't undo a newer value); `set(v)` in server code becomes an
 * UpdateThingShadow of the desired state, after the batch's state is stored. */
import { decodeEnvelope } from "../../core/contracts/envelope";
import type { Manifest } from "../../core/contracts/manifest";
import { checkName } from "../../core/contracts/names";
import { FLEET_THING, topics } from "../../core/contracts/topics";
import type { MicroviumEngine } from "../../core/engine/types";
import { ServerHost, type ServerAlert, type ServerSettings, type ServerStateStore } from "../../core/server";

export interface ServerRuleEvent {
  thing?: unknown;
  channel?: unknown;
  payload?: unknown;
  /** "settings": the thing's settings shadow changed (the documents rule). */
  change?: unknown;
}

/** What the Lambda sends through (IoT data plane Publish, SNS Publish). */
export interface FeatureServerOutlets {
  publish(topic: string, payload: string, qos: 0 | 1): Promise<void>;
  alert(subject: string, message: string): Promise<void>;
}

export interface FeatureServerConfig {
  engine: MicroviumEngine;
  manifest: Manifest;
  snapshot: Uint8Array;
  store: ServerStateStore;
  outlets: FeatureServerOutlets;
  /** The things' settings shadows (GetThingShadow / UpdateThingShadow on the named shadow). */
  settings?: ServerSettings;
  /** The fleet's thing names (the thing group's members). */
  fleetDevices(): Promise<string[]> | string[];
  log?: (line: string) => void;
  now?: () => number;
}

export function createFeatureServer(config: FeatureServerConfig) {
  const log = config.log ?? (() => {});
  const now = config.now ?? Date.now;
  const app = config.manifest.app;
  // Envelope ids of the cloud's messages: the instance's boot id and a count, as a device numbers its own.
  const bootId = `lambda${Math.random().toString(16).slice(2, 10)}`;
  let seq = 0;
  const envelope = (value: unknown) => JSON.stringify({ id: `${bootId}:${++seq}`, v: value, t: now() });
  return async (event: ServerRuleEvent): Promise<string> => {
    if (event.change === "settings") return settingsChanged(event);
    const problem = checkName("thing", event.thing) ?? checkName("channel", event.channel);
    if (problem || typeof event.payload !== "string") {
      log(`feature server: ignored a rule event (${problem ?? "payload must be base64 text"}): ${JSON.stringify(event).slice(0, 200)}`);
      return "ignored";
    }
    let message;
    try {
      message = decodeEnvelope(Buffer.from(event.payload, "base64"));
    } catch (error) {
      log(`feature server: ignored a message of "${String(event.thing)}": ${(error as Error).message}`);
      return "ignored";
    }
    const host = await newHost();
    try {
      await host.handle([{ device: event.thing as string, channel: event.channel as string, value: message.v, t: message.t, id: message.id }]);
      // Failing the invocation hands the message to the rule's error action instead of losing it quietly.
      if (host.stats.givenUp > 0) throw new Error(`feature server: the message of "${String(event.thing)}" was not handled: its VM's state kept changing under it`);
    } finally {
      host.dispose();
    }
    // Every VM that hears it had handled it before: a repeat (the rule's retry, a device's resend).
    return host.stats.repeats > 0 && host.stats.batches === 0 ? "repeat" : "handled";
  };

  async function settingsChanged(event: ServerRuleEvent): Promise<string> {
    const problem = checkName("thing", event.thing);
    if (problem) {
      log(`feature server: ignored a settings rule event (${problem}): ${JSON.stringify(event).slice(0, 200)}`);
      return "ignored";
    }
    const host = await newHost();
    try {
      host.settingsChanged(event.thing as string);
      await host.idle();
      if (host.stats.givenUp > 0) throw new Error(`feature server: the settings change of "${String(event.thing)}" was not handled: its VM's state kept changing under it`);
    } finally {
      host.dispose();
    }
    return "settings";
  }

  async function newHost(): Promise<ServerHost> {
    const devices = await config.fleetDevices();
    return new ServerHost({
      engine: config.engine,
      manifest: config.manifest,
      snapshot: config.snapshot,
      store: config.store,
      keepVms: false,
      fleetDevices: () => devices,
      now,
      outbox: {
        sendToDevice: (device, channel, value) => config.outlets.publish(topics.down(app, device, channel.name), envelope(value), channel.qos),
        alert: async (alert: ServerAlert) => {
          await config.outlets.publish(topics.alert(app, alert.device ?? FLEET_THING), envelope({ text: alert.text, ...(alert.device ? { device: alert.device } : {}) }), 1);
          await config.outlets.alert(`${app}: ${alert.device ?? "fleet"}`.slice(0, 100), alert.text);
        },
      },
      report: (p) => log(`feature server: ${p.vm}: ${p.message}`),
      log: (vm, text) => log(`[${vm}] ${text}`),
      ...(config.settings ? { settings: config.settings } : {}),
    });
  }
}
