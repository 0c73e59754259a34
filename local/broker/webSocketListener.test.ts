import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { createMqttWebSocketServer, MAX_WEBSOCKET_FRAME_BYTES, MQTT_WEBSOCKET_PATH } from "./webSocketListener";

/** Anyone who reaches the port may send frames before CONNECT (the token is checked inside it): a
 * frame must be refused by its header, not buffered whole (ws's default is 100 MiB a frame: four
 * connections of 90 MiB frames took the local cloud from 280 MB to 690 MB). */
describe("MQTT over WebSocket listener", () => {
  it("closes a connection whose frame is larger than any MQTT packet the broker accepts (1009), before the broker sees a byte of it", async () => {
    let received = 0;
    // aedes listens for the stream's errors too (the refusal reaches it as one).
    const server = createMqttWebSocketServer((stream) => stream.on("data", (chunk: Buffer) => (received += chunk.length)).on("error", () => undefined));
    await new Promise<void>((resolve) => server.http.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.http.address() as AddressInfo;
      const ws = new WebSocket(`ws://127.0.0.1:${port}${MQTT_WEBSOCKET_PATH}`, "mqtt");
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      const outcome = new Promise<string>((resolve) => {
        ws.once("close", (code) => resolve(`closed ${code}`));
        // Before the limit the frame reached the broker's stream; say so rather than time out.
        const poll = setInterval(() => received > 0 && (clearInterval(poll), resolve(`broker received ${received} bytes`)), 20);
        ws.once("close", () => clearInterval(poll));
      });
      ws.send(Buffer.alloc(MAX_WEBSOCKET_FRAME_BYTES + 1, 0x30));
      assert.equal(await outcome, "closed 1009");
      assert.equal(received, 0);
    } finally {
      await server.close();
    }
  });
});
