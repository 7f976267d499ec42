// Picking a port before something else binds it: for child processes that must
// be told their port up front (test databases, nginx, the demo's servers).
// The port is chosen below the kernel's ephemeral range: that range is where every
// listen(0) and every outgoing connection on the machine takes its port, so a port
// from it can be taken between the pick and the child's bind (seen in CI: a test's
// server failed with EADDRINUSE on a port freePort had just handed out).
import { readFileSync } from 'node:fs';
import net from 'node:net';

const LOWEST = 10_000;
const TRIES = 50;

/** A free TCP port on `address`, outside the ephemeral range when the machine leaves room. */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  const ceiling = ephemeralLow();
  for (let i = 0; i < TRIES && ceiling > LOWEST; i++) {
    const port = LOWEST + Math.floor(Math.random() * (ceiling - LOWEST));
    if (await canListen(port, address)) return port;
  }
  return anyPort(address);
}

/** The first port of Linux's ephemeral range (32768 by default; elsewhere assume it). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number, address: string): Promise<boolean> {
  return new Promise((done) => {
    const server = net.createServer();
    server.once('error', () => done(false));
    server.listen(port, address, () => server.close(() => done(true)));
  });
}

/** Bind to 0, read, close. */
function anyPort(address: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, address, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
  });
}
