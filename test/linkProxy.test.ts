/** The outage maker the comms tests and the soak rely on: if it leaked bytes during a freeze,
 * a "frozen link" test would prove nothing. Plain TCP on 127.0.0.1, an echo server behind it. */
import assert from "node:assert/strict";
import net from "node:net";
import { LinkProxy } from "./support/linkProxy";
import { waitFor } from "./support/waitFor";

describe("LinkProxy (test support): cut, freeze, resume", () => {
  let echo: net.Server;
  let proxy: LinkProxy;
  const sockets: net.Socket[] = [];

  beforeEach(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    proxy = await LinkProxy.start(() => (echo.address() as net.AddressInfo).port);
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy.stop();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  async function client() {
    const socket = net.connect(proxy.port, "127.0.0.1");
    sockets.push(socket);
    const received: string[] = [];
    let closed = false;
    socket.on("data", (d) => received.push(String(d))).on("close", () => (closed = true)).on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    return { socket, text: () => received.join(""), closed: () => closed };
  }

  it("forwards both ways until frozen; a freeze holds bytes both ways (new links too) and resume lets them through", async () => {
    const a = await client();
    a.socket.write("one");
    await waitFor("the echo of 'one'", () => a.text() === "one");
    proxy.freeze();
    a.socket.write("two");
    const b = await client(); // connects to the proxy, but nothing reaches the server
    b.socket.write("hello");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(a.text(), "one", "nothing may come back during a freeze");
    assert.equal(b.text(), "");
    assert.equal(a.closed() || b.closed(), false, "a freeze keeps the sockets open");
    proxy.resume();
    await waitFor("the held bytes after resume", () => a.text() === "onetwo" && b.text() === "hello");
  });

  it("freeze('toClient') lets the client's bytes reach the server but not the replies", async () => {
    let serverGot = "";
    echo.removeAllListeners("connection");
    echo.on("connection", (s) => s.on("data", (d) => ((serverGot += String(d)), s.write(d))));
    const a = await client();
    proxy.freeze("toClient");
    a.socket.write("ping");
    await waitFor("the server to get 'ping'", () => serverGot === "ping");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(a.text(), "");
    assert.throws(() => proxy.freeze(), /already frozen \(toClient\); resume\(\) first/);
  });

  it("cut destroys every link, frozen ones included, and later connections go through", async () => {
    const a = await client();
    proxy.freeze();
    const b = await client();
    proxy.cut();
    await waitFor("both links closed", () => a.closed() && b.closed());
    assert.equal(proxy.isFrozen, false);
    const c = await client();
    c.socket.write("again");
    await waitFor("the echo after the cut", () => c.text() === "again");
    assert.equal(proxy.accepted, 3);
  });
});
