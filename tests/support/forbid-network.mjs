// Preloaded into the offline CLI under test: any attempt to reach the network (TCP, TLS, UDP,
// DNS, fetch) aborts the process with a marker the test looks for. Unix-domain sockets stay
// allowed: tsx, which runs the CLI's TypeScript, talks to its parent process over one.
import net from "node:net";
import dns from "node:dns";
import dgram from "node:dgram";
import tls from "node:tls";

const die = (what) => {
  process.stderr.write(`NETWORK-ATTEMPT: ${what}\n`);
  process.exit(99);
};
const isUnixPath = (target) =>
  (typeof target === "string" && Number.isNaN(Number(target))) ||
  (typeof target === "object" && target !== null && typeof target.path === "string");

for (const [owner, name] of [[net, "createConnection"], [net, "connect"], [net.Socket.prototype, "connect"]]) {
  const original = owner[name];
  owner[name] = function guarded(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    if (!isUnixPath(first)) die(`net ${name}`);
    return original.apply(this, args);
  };
}
tls.connect = () => die("tls.connect");
dgram.createSocket = () => die("dgram.createSocket");
dns.lookup = () => die("dns.lookup");
dns.promises.lookup = () => die("dns.promises.lookup");
globalThis.fetch = () => die("fetch");
