import assert from "node:assert/strict";
import {
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  PacketReader,
  PacketType,
  parseConnack,
  parsePublish,
  parseSuback,
} from "./packets";

describe("dashboard MQTT packets", () => {
  it("encodes CONNECT as MQTT 3.1.1 with clean session, user name, password and keepalive", () => {
    const bytes = encodeConnect({ clientId: "sf-a-dashboard-1", username: "dashboard", password: "tok", keepaliveSeconds: 30 });
    const [packet] = new PacketReader().push(bytes);
    assert.equal(packet.type, PacketType.Connect);
    const body = packet.body;
    assert.equal(new TextDecoder().decode(body.subarray(2, 6)), "MQTT");
    assert.equal(body[6], 4, "protocol level 4 = 3.1.1");
    assert.equal(body[7], 0x80 | 0x40 | 0x02, "user name + password + clean session flags");
    assert.equal((body[8] << 8) | body[9], 30);
    assert.match(new TextDecoder().decode(body.subarray(10)), /sf-a-dashboard-1.*dashboard.*tok/s);
  });

  it("round-trips a qos 1 PUBLISH with a multi-byte remaining length", () => {
    const payload = "x".repeat(300); // > 127 bytes: two length bytes
    const bytes = encodePublish("sf/a/t/c/down", payload, 1, 513, true);
    assert.equal(bytes[0], (PacketType.Publish << 4) | 0x08 | 0x02);
    const [packet] = new PacketReader().push(bytes);
    const message = parsePublish(packet.flags, packet.body);
    assert.deepEqual(
      { topic: message.topic, qos: message.qos, dup: message.dup, retain: message.retain, packetId: message.packetId },
      { topic: "sf/a/t/c/down", qos: 1, dup: true, retain: false, packetId: 513 },
    );
    assert.equal(new TextDecoder().decode(message.payload), payload);
  });

  it("reassembles packets split across and packed into WebSocket frames", () => {
    const a = encodePublish("sf/a/t/_status", '{"online":true}', 0);
    const b = encodeSubscribe(7, [{ topic: "sf/a/+/_status", qos: 1 }]);
    const stream = new Uint8Array([...a, ...b]);
    const reader = new PacketReader();
    const packets = [...reader.push(stream.subarray(0, 1)), ...reader.push(stream.subarray(1, a.length + 3)), ...reader.push(stream.subarray(a.length + 3))];
    assert.deepEqual(packets.map((p) => p.type), [PacketType.Publish, PacketType.Subscribe]);
    assert.equal(parsePublish(packets[0].flags, packets[0].body).topic, "sf/a/t/_status");
  });

  it("reads CONNACK refusals and SUBACK failures", () => {
    assert.equal(parseConnack(new Uint8Array([0, 5])).returnCode, 5);
    assert.deepEqual(parseSuback(new Uint8Array([0, 7, 1, 0x80])), { packetId: 7, granted: [1, 0x80] });
    assert.throws(() => parseConnack(new Uint8Array([0])), /CONNACK too short/);
  });

  it("rejects a remaining length longer than four bytes", () => {
    assert.throws(() => new PacketReader().push(new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), /malformed remaining length/);
  });

  it("rejects a PUBLISH too short to hold its topic", () => {
    assert.throws(() => parsePublish(0, new Uint8Array([0])), /packet too short/);
  });
});
