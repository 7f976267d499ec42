// The benchmark's localnet, in its own thread so the load generator does not share its core.
// Messages: {cmd:'fund', addresses} → funds and replies; {cmd:'close'} → closes a ledger and
// replies with the work it did; {cmd:'seqs', addresses} → their sequence numbers.
import { parentPort } from 'node:worker_threads';
import { start } from '../src/index.js';

const net = await start({
  port: 0,
  closeIntervalMs: 0,
  logLevel: 'silent',
  maxOperationsPerLedger: 1_000_000,
});
const port = parentPort!;

port.on('message', async (m: { cmd: string; addresses?: string[] }) => {
  switch (m.cmd) {
    case 'fund': {
      const all = m.addresses!;
      const pending = all.map((a) => net.fund(a, '1000'));
      while (all.some((a) => !net.closer.state.get(a))) net.closeLedger();
      await Promise.all(pending);
      port.postMessage({ ok: true });
      break;
    }
    case 'close': {
      const before = net.closer.history.ops.ok.length;
      const t0 = performance.now();
      const closed = net.closeLedger();
      const ms = performance.now() - t0;
      port.postMessage({
        sequence: closed.sequence,
        ms,
        appliedOps: net.closer.history.ops.ok.length - before,
      });
      break;
    }
    case 'seqs':
      port.postMessage({ seqs: m.addresses!.map((a) => net.closer.state.get(a)!.seqNum.toString()) });
      break;
    case 'stop':
      await net.close();
      port.postMessage({ ok: true });
      break;
  }
});
port.postMessage({ url: net.url, passphrase: net.networkPassphrase });
