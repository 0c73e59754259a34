/** Where MQTT packets begin and end in a byte stream, without parsing them: the fixed header's
 * first byte gives the type and QoS, the remaining length (1-4 bytes, 7 bits each, least
 * significant first; MQTT 3.1.1 §2.2.3) the size. The broker's backpressure uses it to hand aedes
 * only as many QoS 1 publishes as there is room for and put the rest back on the socket. One
 * scanner per connection: a read may end inside a packet, which continues in the next read. */

const PUBLISH = 3;

export class MqttPacketScanner {
  /** Bytes of a packet already handed out that are still to come. */
  private skip = 0;
  /** Start of a packet handed out whose remaining length isn't complete yet. */
  private header: Buffer | undefined;

  /** How much of `data` to hand out, in whole packets as far as possible: stops before the
   * publish with QoS > 0 that would exceed `room`. A packet cut by the end of `data` is handed
   * out (and counted) whole, its rest passes on the next reads. */
  scan(data: Buffer, room: number): { length: number; publishes: number } {
    let at = 0;
    let publishes = 0;
    if (this.skip > 0) {
      at = Math.min(this.skip, data.length);
      this.skip -= at;
      if (this.skip > 0) return { length: at, publishes };
    }
    if (this.header) {
      const started = this.header;
      const joined = Buffer.concat([started, data.subarray(at, at + 5)]);
      const size = packetSize(joined, 0);
      if (size === undefined) {
        this.header = Buffer.concat([started, data.subarray(at)]);
        return { length: data.length, publishes };
      }
      this.header = undefined;
      const rest = size - started.length;
      const take = Math.min(rest, data.length - at);
      at += take;
      this.skip = rest - take;
      if (this.skip > 0) return { length: at, publishes };
    }
    while (at < data.length) {
      if (countsAgainstRoom(data[at])) {
        if (publishes >= room) return { length: at, publishes };
        publishes++;
      }
      const size = packetSize(data, at);
      if (size === undefined) {
        this.header = Buffer.from(data.subarray(at));
        return { length: data.length, publishes };
      }
      if (at + size > data.length) {
        this.skip = at + size - data.length;
        return { length: data.length, publishes };
      }
      at += size;
    }
    return { length: at, publishes };
  }
}

function countsAgainstRoom(firstByte: number): boolean {
  return firstByte >> 4 === PUBLISH && ((firstByte >> 1) & 3) > 0;
}

/** Whole size of the packet starting at `at`, or undefined while its remaining length is cut off.
 * A malformed length (a fifth byte) is left to aedes's parser, which closes the connection. */
function packetSize(data: Buffer, at: number): number | undefined {
  let remaining = 0;
  let multiplier = 1;
  for (let i = at + 1; i < data.length && i <= at + 4; i++) {
    remaining += (data[i] & 0x7f) * multiplier;
    multiplier *= 128;
    if ((data[i] & 0x80) === 0) return i + 1 - at + remaining;
  }
  return data.length - at >= 5 ? data.length - at : undefined;
}
