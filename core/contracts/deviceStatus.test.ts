import { strict as assert } from "node:assert";
import { encodeDeviceStatus, readStatusMessage, senderLinkUp } from "./deviceStatus";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("device status messages", () => {
  it("an empty retained message says the device was removed, and its link counts as up", () => {
    const message = readStatusMessage(new Uint8Array(0));
    assert.deepEqual(message, { removed: true });
    assert.equal(senderLinkUp(message), true);
  });

  it("a status says whether the device's link is up", () => {
    for (const online of [true, false]) {
      const message = readStatusMessage(bytes(encodeDeviceStatus({ online, version: "3", bootId: "b1", t: 5 })));
      assert.deepEqual(message, { removed: false, status: { online, version: "3", bootId: "b1", t: 5 } });
      assert.equal(senderLinkUp(message), online);
    }
  });

  it("a malformed status is refused saying which field is wrong", () => {
    assert.throws(() => readStatusMessage(bytes(`{"online":"yes","version":"1","bootId":"b","t":1}`)), /online must be a boolean/);
    assert.throws(() => readStatusMessage(bytes("not json")), /device status/);
  });
});
