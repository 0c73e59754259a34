/** `snapfleet dev` as a user runs it (the CLI's own main: its output, its signals, --seconds) with
 * one device whose start never ends, as a board whose link never comes up would: for tests of
 * what dev does while its fleet is still starting (test/devStart.test.ts). The thing to hold is
 * HELD_DEVICE in the environment; the arguments are the CLI's. */
import { DevSession } from "../../cli/devSession";
import { main } from "../../cli/main";

const held = process.env.HELD_DEVICE;
const addDevice = DevSession.prototype.addDevice;
DevSession.prototype.addDevice = function (this: DevSession, thing: string, pinTimeOffsetMs?: number) {
  return thing === held ? new Promise(() => {}) : addDevice.call(this, thing, pinTimeOffsetMs);
};
void main(process.argv.slice(2));
