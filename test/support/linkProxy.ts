/** NOTE for waydown-order (soak): this is the outage maker for the soak and the comms tests.
 * `cut()` = abrupt drop (both sockets destroyed: the device sees it at once);
 * `freeze()` = a link that silently stops carrying bytes both ways while its sockets stay open
 * (only the keepalive can notice; connections made while frozen wait too; a device closing its
 * end during a freeze isn't passed on either, so the broker keeps the old connection, as it would
 * behind a dead route, until its own keepalive or a takeover); `resume()` ends a freeze;
 * a broker restart is `LocalBroker.stop()` + `LocalBroker.start()` on the same port and state dir
 * (or `LocalCloud.stop()`/`start()`), not the proxy's job. Owned by waydown (transport side).
 *
 * A TCP proxy on 127.0.0.1 between a device and the broker, for making outages from outside
 * the device, as a network would. Bytes are forwarded untouched (the TLS session is end to end).
 * A freeze pauses the sockets rather than buffering in the proxy: the kernel's socket buffers
 * fill and TCP backpressure does the rest, so a long freeze costs no memory here. */
import net from "node:net";

export type FreezeDirection = "both" | "toClient" | "toServer";

interface Link {
  client: net.Socket;
  /** Undefined while the link waits for a freeze to end before dialing the server. */
  server?: net.Socket;
}

export class LinkProxy {
  private readonly links = new Set<Link>();
  private frozen: FreezeDirection | undefined;
  private hangingUp = false;
  /** Connections accepted so far (a reconnecting device opens a new one each time). */
  accepted = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: () => number,
    private readonly targetHost: string,
  ) {}

  /** `target` is read per connection, so a broker that came back on another port is found. */
  static async start(target: () => number, targetHost = "127.0.0.1"): Promise<LinkProxy> {
    let proxy: LinkProxy | undefined;
    const server = net.createServer((client) => proxy!.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    proxy = new LinkProxy(server, (server.address() as net.AddressInfo).port, target, targetHost);
    return proxy;
  }

  /** Links currently open (accepted and not yet closed). */
  get openLinks(): number {
    return this.links.size;
  }

  get isFrozen(): boolean {
    return this.frozen !== undefined;
  }

  /** Destroys both ends of every link (and those waiting out a freeze), as a dropped Wi-Fi or a
   * killed process would; ends a freeze, so the next connection goes through. */
  cut(): void {
    this.frozen = undefined;
    for (const link of [...this.links]) this.close(link);
  }

  /** Stops forwarding without closing anything. `both` (default): nothing gets through either
   * way and new connections wait too, a dead route only the keepalive notices. `toClient`: the
   * server still gets the client's bytes but its replies (PUBACK, PINGRESP) are lost. */
  freeze(direction: FreezeDirection = "both"): void {
    if (this.frozen) throw new Error(`LinkProxy.freeze(${direction}): already frozen (${this.frozen}); resume() first`);
    this.frozen = direction;
    for (const link of this.links) this.stopForwarding(link, direction);
  }

  /** Ends a freeze: frozen links forward again (whatever the kernel held flows on) and
   * connections that waited are dialed through. */
  resume(): void {
    if (!this.frozen) return;
    this.frozen = undefined;
    for (const link of this.links) {
      if (link.server) this.forward(link);
      else this.dial(link);
    }
  }

  /** While on, every new connection is closed as soon as it is accepted (a port with nothing
   * behind it any more, a firewall's reset): the device sees a hang-up before TLS completes. */
  hangUpNew(on: boolean): void {
    this.hangingUp = on;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    if (this.hangingUp) return void client.destroy();
    const link: Link = { client };
    this.links.add(link);
    client.on("error", () => this.close(link)).on("close", () => this.close(link));
    client.setNoDelay(true);
    // A dead route: the device's SYN gets an answer from us, but no byte reaches the broker.
    if (this.frozen === "both") client.pause();
    else this.dial(link);
  }

  private dial(link: Link): void {
    if (link.client.destroyed) return;
    const server = net.connect(this.target(), this.targetHost);
    server.setNoDelay(true);
    link.server = server;
    server.on("error", () => this.close(link)).on("close", () => this.close(link));
    this.forward(link);
    if (this.frozen) this.stopForwarding(link, this.frozen);
  }

  private forward(link: Link): void {
    const { client, server } = link;
    if (!server) return;
    client.unpipe(server);
    server.unpipe(client);
    client.pipe(server);
    server.pipe(client);
  }

  private stopForwarding(link: Link, direction: FreezeDirection): void {
    const { client, server } = link;
    if (!server) {
      client.pause();
      return;
    }
    if (direction !== "toServer") {
      server.unpipe(client);
      server.pause();
    }
    if (direction !== "toClient") {
      client.unpipe(server);
      client.pause();
    }
  }

  private close(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.server?.destroy();
  }
}
