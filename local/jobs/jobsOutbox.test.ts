/** The outbox's own promises, with a broker whose publishes complete when the test says: an
 * answer waits for the thing's earlier notifications, other things don't wait, and an answer for
 * a connection that is gone is dropped (AWS answers the connection that asked, no other). The
 * service over the real broker is in jobsService.test.ts. */
import assert from "node:assert/strict";
import type { Aedes, PublishPacket } from "aedes";
import { aedesRequesters, JobsOutbox, type Requester } from "./jobsOutbox";

function heldBroker() {
  const published: Array<{ topic: string; complete: () => void }> = [];
  const aedes = {
    publish: (packet: PublishPacket, done: (error?: Error) => void) => published.push({ topic: packet.topic, complete: () => done() }),
  } as unknown as Aedes;
  return { aedes, published };
}

function connection(closed = false) {
  const got: string[] = [];
  const requester: Requester = { closed, publish: (packet, done) => (got.push(packet.topic), done?.()) };
  return { requester, got };
}

const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("jobs outbox: how the Jobs service's messages leave it", () => {
  it("an answer waits until the thing's earlier notification was handed to the broker's subscribers", async () => {
    const { aedes, published } = heldBroker();
    const outbox = new JobsOutbox(aedes, () => undefined);
    const device = connection();
    outbox.notify("t1", "$aws/things/t1/jobs/notify", {});
    outbox.answer("t1", device.requester, "$aws/things/t1/jobs/get/accepted", {});
    await turns();
    assert.deepEqual(device.got, [], "not before the notification is delivered");
    published[0].complete();
    await turns();
    assert.deepEqual(device.got, ["$aws/things/t1/jobs/get/accepted"]);
  });

  it("another thing's answer does not wait for it", async () => {
    const { aedes } = heldBroker();
    const outbox = new JobsOutbox(aedes, () => undefined);
    const other = connection();
    outbox.notify("t1", "$aws/things/t1/jobs/notify", {});
    outbox.answer("t2", other.requester, "$aws/things/t2/jobs/get/accepted", {});
    await turns();
    assert.deepEqual(other.got, ["$aws/things/t2/jobs/get/accepted"]);
  });

  it("an answer whose connection is gone is dropped and logged, never published through the broker, and the thing's next message still goes", async () => {
    const { aedes, published } = heldBroker();
    const lines: string[] = [];
    const outbox = new JobsOutbox(aedes, (line) => lines.push(line));
    outbox.answer("t1", connection(true).requester, "$aws/things/t1/jobs/get/accepted", {});
    outbox.answer("t1", undefined, "$aws/things/t1/jobs/start-next/accepted", {});
    outbox.notify("t1", "$aws/things/t1/jobs/notify", {});
    await turns();
    assert.deepEqual(published.map((p) => p.topic), ["$aws/things/t1/jobs/notify"]);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /get\/accepted not sent: the connection that asked is gone/);
  });

  it("finds requesters among aedes's clients by own key only", () => {
    const client = connection().requester;
    const clients = Object.assign(Object.create(null) as Record<string, Requester>, { t1: client });
    const find = aedesRequesters({ clients } as unknown as Aedes);
    assert.equal(find("t1"), client);
    assert.equal(find("t2"), undefined);
    assert.equal(aedesRequesters({ clients: { t1: client } } as unknown as Aedes)("constructor"), undefined);
  });
});
