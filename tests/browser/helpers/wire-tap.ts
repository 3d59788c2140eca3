/**
 * A loopback TCP forwarder that records every byte the browser sends to the portal: the view of
 * an adversary who watches the network. Browsers do not expose Blob request bodies to their
 * automation protocols, so the raw stream is where a leak scan sees everything that left.
 */
import net from "node:net";

export interface WireTap {
  /** Origin to browse instead of the portal's own; same host, the tap's port. */
  url: string;
  /** Client-to-server bytes, one buffer per TCP connection. */
  connections(): Buffer[];
  close(): Promise<void>;
}

export async function startWireTap(targetUrl: string): Promise<WireTap> {
  const target = new URL(targetUrl);
  const recorded: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const chunks: Buffer[] = [];
    recorded.push(chunks);
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => recorded.map((chunks) => Buffer.concat(chunks)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
