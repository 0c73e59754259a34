/** The host's link constants and codec against the MCU's header and rules. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { FrameDecoder, encodeFrame, type LinkFrame } from "./linkFrame";
import { MSG, OTA_REPLY } from "./linkMessages";

const HEADER = path.join(__dirname, "../native/link/linkMessages.h");

describe("the link's messages and frames (host side)", () => {
  it("uses the numbers of firmware/native/link/linkMessages.h", () => {
    const text = fs.readFileSync(HEADER, "utf8");
    const inHeader = (prefix: string) => Object.fromEntries([...text.matchAll(new RegExp(`${prefix}(\\w+) = (0x[0-9A-Fa-f]+|\\d+)`, "g"))].map((m) => [m[1], Number(m[2])]));
    assert.deepEqual(inHeader("SF_LINK_MSG_"), { ...MSG });
    assert.deepEqual(inHeader("SF_OTA_REPLY_"), { ...OTA_REPLY });
  });

  it("frames survive COBS with zeros and 0xFF runs; a damaged or cut frame is dropped and the next one found", () => {
    const body = Buffer.concat([Buffer.alloc(300, 0xff).subarray(0, 260), Buffer.from([0, 0, 1, 0])]);
    const frame: LinkFrame = { type: 1, seq: 255, ack: 0, session: 0xdeadbeef, body };
    const wire = encodeFrame(frame);
    assert.equal(wire.indexOf(0), wire.length - 1, "the only zero is the delimiter");
    const damaged = Buffer.from(wire);
    damaged[20] ^= 0x10;
    const frames: LinkFrame[] = [];
    const decoder = new FrameDecoder();
    decoder.push(Buffer.concat([wire.subarray(0, 30), damaged, Buffer.from([7, 7, 7]), wire]), (f) => frames.push(f));
    // The cut first copy runs into the damaged one (one bad frame); the garbage, without a
    // delimiter, joins the next copy (a second bad frame); the last clean copy decodes.
    decoder.push(wire, (f) => frames.push(f));
    assert.equal(frames.length, 1);
    assert.deepEqual(Buffer.from(frames[0].body), body);
    assert.equal(frames[0].session, 0xdeadbeef);
    assert.equal(decoder.badFrames, 2);
    assert.throws(() => encodeFrame({ ...frame, body: Buffer.alloc(301) }), /at most 300 bytes/);
  });
});
