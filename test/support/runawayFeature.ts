/** A feature for the tests of apps stuck in a loop under `snapfleet dev` (test/isolation.test.ts,
 * one thread per app; test/fleet.test.ts, shared threads): the app, the command that makes one
 * device run away, and a record of what every device publishes. */
import { decodeEnvelope, encodeEnvelope } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import type { DevSession } from "../../cli/devSession";

/** Counts up on "level" and blinks D5 every 100 ms; a message on "cmd" makes the next tick loop
 * forever. Sent to one device, only that device runs away. */
export const onCommand = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  const cmd = api.newCommsChannel<string>("cmd", { direction: "server-to-device" });
  const led = api.mcu.getDigitalPin("D5");
  let ticks = 0;
  let runaway = false;
  cmd.addEventListener("messageFromServer", (what) => {
    if (what === "run away") runaway = true;
  });
  api.mcu.setInterval(() => {
    ticks++;
    led.write(ticks % 2 === 1);
    level.pushMessageToServer(ticks);
    if (runaway) {
      api.log("running away after tick " + ticks);
      while (true) {}
    }
  }, 100);
}
`;

/** Sends "run away" to one device of the session's fleet (message `seq` of the test's sender). */
export function runAway(s: DevSession, thing: string, seq: number): void {
  const payload = Buffer.from(encodeEnvelope("test", seq, "run away", Date.now()));
  s.cloud.broker.aedes.publish({ cmd: "publish", topic: topics.down(s.cloud.app, thing, "cmd"), payload, qos: 1, retain: false, dup: false }, () => {});
}

/** Every `up` message of the app as the broker sees it: thing, boot id and value. */
export async function watchUpMessages(s: DevSession): Promise<{ thing: string; boot: string; value: unknown }[]> {
  const seen: { thing: string; boot: string; value: unknown }[] = [];
  await new Promise<void>((resolve) =>
    s.cloud.broker.aedes.subscribe(
      `sf/${s.cloud.app}/+/level/up`,
      (packet, done) => {
        const envelope = decodeEnvelope(new Uint8Array(packet.payload as Buffer));
        seen.push({ thing: packet.topic.split("/")[2], boot: envelope.id.split(":")[0], value: envelope.v });
        done();
      },
      resolve,
    ),
  );
  return seen;
}
