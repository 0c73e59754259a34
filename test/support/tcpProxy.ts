import net from "node:net";

/** Forwards TCP to the broker; can cut every link at once or freeze them silently. */
export class TcpProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private server!: net.Server;
  port = 0;

  constructor(private readonly targetPort: () => number) {}

  async start(): Promise<void> {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(this.targetPort(), "127.0.0.1");
      const pair: [net.Socket, net.Socket] = [inbound, outbound];
      this.pairs.add(pair);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
        this.pairs.delete(pair);
      };
      inbound.on("error", end).on("close", end);
      outbound.on("error", end).on("close", end);
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Destroys both ends of every link, as a dropped Wi-Fi or a killed process would. */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
  }

  /** Stops forwarding broker → device on the current links without closing them: a half-open
   * link where the broker still gets (and forwards) publishes but its PUBACKs and PINGRESPs are lost. */
  freezeReplies(): void {
    for (const [inbound, outbound] of this.pairs) {
      outbound.unpipe(inbound);
      outbound.pause();
    }
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
