// Picking a port before something else binds it: for child processes that must
// be told their port up front (test databases, nginx, the demo's servers).
import net from 'node:net';

/** A free TCP port on `address` (bind to 0, read, close). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, address, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
  });
}
