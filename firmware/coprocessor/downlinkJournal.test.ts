/** The downlink journal (downlinkJournal.ts): what the co-processor holds for the MCU survives
 * the process, a write cut short by a kill spoils nothing before it, the file stays bounded;
 * and a co-processor whose link queue is full keeps the messages waiting there instead of
 * dropping them (the MCU end here is a LinkSession over an in-process wire). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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

  it("ignores a last line cut short, and a damaged one, with a log line; keeps every other", () => {
    const f = file();
    const first = DownlinkJournal.open(f);
    const kept = ["a", "b", "c"].map((p) => first.add("sf/app/t/c/down", p));
    first.close();
    const lines = fs.readFileSync(f, "utf8").split("\n");
    // The second record damaged (one character changed), a fourth cut short mid-write.
    lines[1] = lines[1].replace(/.$/, (ch) => (ch === "A" ? "B" : "A"));
    fs.writeFileSync(f, `${lines.join("\n")}${lines[0].slice(0, 20)}`);
    const logs: string[] = [];
    const again = DownlinkJournal.open(f, (l) => logs.push(l));
    assert.deepEqual(again.pending(), [kept[0], kept[2]]);
    assert.equal(again.ignoredLines, 2);
    assert.ok(logs.some((l) => /line 4 ignored, cut short/.test(l)) && logs.some((l) => /line 2 ignored, damaged/.test(l)), logs.join("\n"));
    // Rewritten on open: a later append does not land on the cut line.
    again.add("sf/app/t/c/down", "d");
    again.close();
    assert.deepEqual(DownlinkJournal.open(f).pending().map((e) => e.payload), ["a", "c", "d"]);
  });

  it("is bounded: past its limit the oldest is dropped, counted and logged; the file is compacted", () => {
    const f = file();
    const logs: string[] = [];
    const journal = DownlinkJournal.open(f, (l) => logs.push(l), 4);
    for (let i = 1; i <= 6; i++) journal.add("sf/app/t/c/down", String(i));
    assert.deepEqual(journal.pending().map((e) => e.payload), ["3", "4", "5", "6"]);
    assert.equal(journal.dropped, 2);
    assert.match(logs[0], /the downlink journal is full \(4 messages the MCU has not acknowledged\): the oldest, on sf\/app\/t\/c\/down, was dropped \(1 dropped so far\)/);
    // Acknowledged many times over: the file holds the live entries only, not the history.
    journal.remove(journal.pending()[0].n);
    for (let i = 0; i < 500; i++) journal.remove(journal.add("sf/app/t/c/down", "x".repeat(200)).n);
    assert.ok(fs.statSync(f).size < 100 * 300, `the file was compacted: ${fs.statSync(f).size} B`);
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
