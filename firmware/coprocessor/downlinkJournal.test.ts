/** The downlink journal (downlinkJournal.ts): what the co-processor holds for the MCU survives
 * the process (a SIGKILL mid-stream loses nothing added before it), a damaged file is set aside,
 * the journal stays bounded;
 * and a co-processor whose link queue is full keeps the messages waiting there instead of
 * dropping them (the MCU end here is a LinkSession over an in-process wire). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { InMemoryTransport } from "../transport";
import { Coprocessor } from "./coprocessor";
import { DownlinkJournal } from "./downlinkJournal";
import { MSG } from "./linkMessages";
import { LinkSession, MAX_QUEUED } from "./linkSession";
import { waitFor } from "../../test/support/waitFor";

describe("the co-processor's downlink journal", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-journal-"));
  let n = 0;
  const file = () => path.join(dir, `journal-${++n}`, "downlink.journal");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps what the MCU has not acknowledged across a reopen, in order", () => {
    const f = file();
    const first = DownlinkJournal.open(f);
    const [a, b, c] = ["one", "two", "three"].map((p) => first.add("sf/app/t/c/down", p));
    first.remove(b.n);
    first.close(); // a kill leaves the same file: every write went out before add() returned
    const again = DownlinkJournal.open(f);
    assert.deepEqual(again.pending(), [a, c]);
    // Numbers go on from the file's: a message sent again is never confused with a new one.
    assert.ok(again.add("sf/app/t/c/down", "four").n > c.n);
    again.close();
  });

  it("a damaged journal is set aside with a log line and a new one started; the co-processor keeps working", () => {
    const f = file();
    const first = DownlinkJournal.open(f);
    first.add("sf/app/t/c/down", "a");
    first.close();
    // The database's header overwritten (a flash page gone bad): no SQLite file any more.
    const bytes = fs.readFileSync(f);
    bytes.fill(0x55, 0, 100);
    fs.writeFileSync(f, bytes);
    const logs: string[] = [];
    const again = DownlinkJournal.open(f, (l) => logs.push(l));
    assert.equal(again.size, 0);
    assert.ok(logs.some((l) => /the downlink journal .* is damaged \(.*\): set aside as .*\.damaged-\d+, a new one started; the messages it held for the MCU are lost/.test(l)), logs.join("\n"));
    assert.ok(fs.readdirSync(path.dirname(f)).some((name) => /\.damaged-\d+$/.test(name)), "the damaged file is kept beside it");
    again.add("sf/app/t/c/down", "b");
    again.close();
    assert.deepEqual(DownlinkJournal.open(f).pending().map((e) => e.payload), ["b"]);
  });

  it("keeps every message added before a SIGKILL, none half-written", async () => {
    const f = file();
    // A child process adds messages as fast as it can and is killed mid-stream.
    const script = `const { DownlinkJournal } = require(${JSON.stringify(path.join(__dirname, "downlinkJournal"))});
      const j = DownlinkJournal.open(${JSON.stringify(f)});
      for (let i = 1; ; i++) { j.add("sf/app/t/c/down", String(i)); if (i === 200) process.stdout.write("200\\n"); }`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const payloads = DownlinkJournal.open(f).pending().map((e) => Number(e.payload));
    assert.ok(payloads.length >= 200, `${payloads.length} kept`);
    assert.deepEqual(payloads, Array.from({ length: payloads.length }, (_, i) => i + 1), "every one before the kill, in order, nothing torn");
  });

  it("is bounded: past its limit the oldest is dropped, counted and logged", () => {
    const f = file();
    const logs: string[] = [];
    const journal = DownlinkJournal.open(f, (l) => logs.push(l), 4);
    for (let i = 1; i <= 6; i++) journal.add("sf/app/t/c/down", String(i));
    assert.deepEqual(journal.pending().map((e) => e.payload), ["3", "4", "5", "6"]);
    assert.equal(journal.dropped, 2);
    assert.match(logs[0], /the downlink journal is full \(4 messages the MCU has not acknowledged\): the oldest, on sf\/app\/t\/c\/down, was dropped \(1 dropped so far\)/);
    journal.remove(journal.pending()[0].n);
    for (let i = 0; i < 500; i++) journal.remove(journal.add("sf/app/t/c/down", "x".repeat(200)).n);
    journal.close();
    assert.deepEqual(DownlinkJournal.open(f).pending().map((e) => e.payload), ["4", "5", "6"]);
  });

  it("a co-processor whose link queue is full keeps the cloud's messages in the journal, and sends them all once the MCU listens", async () => {
    const cloud = new InMemoryTransport();
    const topic = "sf/app/t/orders/down";
    let stalled = false;
    const received: string[] = [];
    // Bytes cross on a later turn of the event loop, as on a socket (never inside the write).
    const link = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        if (!stalled) setImmediate(() => mcu.receive(chunk));
        done();
      },
    });
    const mcu = new LinkSession({
      write: (bytes) => void (stalled || setImmediate(() => link.push(bytes))),
      message: (body) => {
        if (body[0] !== MSG.MESSAGE) return;
        const topicLength = body[1] | (body[2] << 8);
        received.push(Buffer.from(body.subarray(3 + topicLength)).toString("utf8"));
      },
    });
    const mcuPoll = setInterval(() => mcu.poll(), 10);
    const coprocessor = new Coprocessor({ link, cloud });
    try {
      await waitFor("the link up", () => coprocessor.session.up && mcu.up, 10_000);
      mcu.send(Buffer.concat([Buffer.from([MSG.SUBSCRIBE, 1]), Buffer.from(topic)]));
      await waitFor("the subscription", () => cloud.subscribedTopics.includes(topic), 10_000);

      stalled = true; // nothing crosses the link; the cloud sends more than the link's queue holds
      const count = MAX_QUEUED + 100;
      for (let i = 1; i <= count; i++) cloud.inject(topic, String(i));
      assert.equal(coprocessor.journal.size, count, "the journal holds every one");
      stalled = false;
      await waitFor(`all ${count} at the MCU`, () => received.length >= count, 60_000);
      assert.deepEqual(received, Array.from({ length: count }, (_, i) => String(i + 1)), "each once, in order, none dropped");
      await waitFor("the journal emptied by the MCU's acknowledgements", () => coprocessor.journal.size === 0, 10_000);
    } finally {
      clearInterval(mcuPoll);
      coprocessor.close();
    }
  });
});
