import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { seeded } from "../../test/support/soak";
import { MqttPacketScanner } from "./mqttPacketScanner";

/** A stream of real MQTT 3.1.1 packets (mqtt-packet, what aedes parses with): publishes of QoS 0
 * and 1 with payloads from empty to 20 KB (remaining lengths of 1 to 3 bytes), acks, pings. */
function packetStream(random: () => number, count: number): { bytes: Buffer; qos1: number } {
  const buffers: Buffer[] = [];
  let qos1 = 0;
  for (let i = 0; i < count; i++) {
    const kind = random();
    let packet: mqttPacket.Packet;
    if (kind < 0.6) {
      const qos = random() < 0.6 ? 1 : 0;
      if (qos === 1) qos1++;
      const size = random() < 0.1 ? Math.floor(random() * 20_000) : Math.floor(random() * 200);
      packet = { cmd: "publish", topic: `sf/app/dev-${i}/t/up`, payload: Buffer.alloc(size, i % 251), qos, messageId: qos ? 1 + (i % 60000) : undefined, retain: false, dup: false } as mqttPacket.IPublishPacket;
    } else if (kind < 0.8) {
      packet = { cmd: "puback", messageId: 1 + i };
    } else {
      packet = { cmd: "pingreq" };
    }
    buffers.push(mqttPacket.generate(packet));
  }
  return { bytes: Buffer.concat(buffers), qos1 };
}

describe("MQTT packet scanner (broker backpressure: how much of a read to hand aedes)", () => {
  it("hands out whole packets, at most `room` QoS 1 publishes starting per read, and the parser sees every packet once, in order", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seeded(seed);
      const { bytes, qos1 } = packetStream(random, 300);
      const scanner = new MqttPacketScanner();
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const parsed: mqttPacket.Packet[] = [];
      parser.on("packet", (packet) => parsed.push(packet));
      parser.on("error", (error) => assert.fail(`seed ${seed}: parser error ${error.message}`));
      let arrived = 0; // bytes the socket has received so far
      let handed = 0; // bytes given to the parser
      let counted = 0;
      let reads = 0;
      while (handed < bytes.length) {
        // Data arrives in random chunk sizes; what wasn't handed out stays buffered (unshift).
        arrived = Math.min(bytes.length, arrived + 1 + Math.floor(random() * 3000));
        const room = Math.floor(random() * 5);
        const before = parsed.length;
        const { length, publishes } = scanner.scan(bytes.subarray(handed, arrived), room);
        assert.ok(publishes <= room, `seed ${seed}: ${publishes} publishes counted with room ${room}`);
        parser.parse(bytes.subarray(handed, handed + length));
        const newQos1 = parsed.slice(before).filter((p) => p.cmd === "publish" && p.qos === 1).length;
        // A publish counted in this read may complete in a later one, never the other way round.
        assert.ok(newQos1 <= publishes + (counted - parsedQos1(parsed.slice(0, before))), `seed ${seed}: a publish reached the parser uncounted`);
        counted += publishes;
        handed += length;
        if (++reads > 100_000) assert.fail(`seed ${seed}: no progress`);
      }
      assert.equal(counted, qos1, `seed ${seed}: every QoS 1 publish counted exactly once`);
      assert.equal(parsedQos1(parsed), qos1, `seed ${seed}: the parser got every QoS 1 publish`);
      assert.equal(parsed.length, 300, `seed ${seed}: the parser got every packet once`);
    }
  });

  it("stops before the publish that has no room, at a packet boundary", () => {
    const one = mqttPacket.generate({ cmd: "publish", topic: "a", payload: Buffer.from("x"), qos: 1, messageId: 1, retain: false, dup: false });
    const ping = mqttPacket.generate({ cmd: "pingreq" });
    const scanner = new MqttPacketScanner();
    const data = Buffer.concat([ping, one, one, ping, one]);
    assert.deepEqual(scanner.scan(data, 2), { length: ping.length + 2 * one.length + ping.length, publishes: 2 });
    assert.deepEqual(scanner.scan(data.subarray(ping.length + 2 * one.length + ping.length), 0), { length: 0, publishes: 0 });
  });
});

function parsedQos1(packets: mqttPacket.Packet[]): number {
  return packets.filter((p) => p.cmd === "publish" && p.qos === 1).length;
}
