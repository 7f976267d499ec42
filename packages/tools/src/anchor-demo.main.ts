// `pnpm demo` (the README's main command): starts localnet and two complete
// banks and walks the user's flow step by step: a1 at bank A pays b1 at bank B
// with the full SEP-3 compliance exchange. With --exit everything stops at the
// end; otherwise the stack keeps running (consoles open) until Ctrl-C.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConsoleClient } from './demo/console-client.js';
import { DEMO_CUSTOMERS } from './demo/demo-customers.js';
import { balanceOf } from './demo/network-setup.js';
import { complianceSend, demoPayment, lookUp, pay, sendForm, waitForDelivery } from './demo/payment-flow.js';
import { startTwoBankStack, type RunningStack } from './demo/two-bank-stack.js';

const USAGE = `Usage: anchor-demo [options]

Starts localnet and two banks (bank-a.test, bank-b.test: federation, compliance,
bridge, callbacks each), behind nginx with TLS when nginx is installed, and walks a
compliance payment from a1*bank-a.test to b1*bank-b.test.

Options:
  --exit                 stop everything after the walk-through
  --mysql <url>          use this MySQL server (e.g. mysql://root@127.0.0.1:3306) instead of SQLite
  --no-nginx             serve the banks over plain HTTP even when nginx is installed
  --close-interval <ms>  ledger close interval (default 1000)
  --network <n>          the bridges' network: horizon (default) or rpc (Stellar RPC only, no Horizon)
  --dir <path>           where configs, databases and logs go (default .tmp/demo)
  -h, --help             this help`;

const { values } = parseArgs({
  options: {
    exit: { type: 'boolean', default: false },
    mysql: { type: 'string' },
    'no-nginx': { type: 'boolean', default: false },
    'close-interval': { type: 'string', default: '1000' },
    network: { type: 'string', default: 'horizon' },
    dir: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

if (values.network !== 'horizon' && values.network !== 'rpc') {
  process.stderr.write(`--network must be horizon or rpc, not ${String(values.network)}\n${USAGE}\n`);
  process.exit(2);
}
const network = values.network;

const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (n: number, text: string) => say(`\n[${n}] ${text}`);
const detail = (text: string) => say(`    ${text}`);
const runDir = resolve(
  values.dir ?? join(fileURLToPath(new URL('../../../', import.meta.url)), '.tmp', 'demo'),
);

let stack: RunningStack | undefined;
let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  say('\nStopping every process the demo started…');
  await stack?.stop();
  say('Stopped.');
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  say('Starting a two-bank anchor on this machine (nothing leaves it)…');
  stack = await startTwoBankStack({
    runDir,
    closeIntervalMs: Number(values['close-interval']),
    nginx: values['no-nginx'] ? 'off' : 'auto',
    fixedPorts: true,
    mysqlServerUrl: values.mysql,
    network,
    customers: DEMO_CUSTOMERS,
    log: (line) => detail(line),
  });
  const { a, b } = stack.banks;
  detail(
    network === 'rpc'
      ? `both bridges talk to Stellar RPC only (${stack.localnet.rpcUrl}): no Horizon`
      : `both bridges talk to Horizon (${stack.localnet.url})`,
  );
  const usd = stack.setup.usd;
  const paymentId = `demo-${Date.now()}`;
  const payment = demoPayment(paymentId, usd.getIssuer());

  step(
    1,
    `Bank A looks up b1*bank-b.test (stellar.toml, then bank B's federation server, over ${stack.front.scheme.toUpperCase()})`,
  );
  const record = await lookUp(stack, 'b1*bank-b.test');
  detail(`account ${record.account_id}, memo ${record.memo_type} ${record.memo}`);

  step(
    2,
    "a1 asks bank A to pay 25 USD to b1; bank A's bridge asks its compliance server, which signs a1's KYC and sends it to bank B",
  );
  const first = await pay(a, payment);
  detail(`bridge A answered ${first.status} ${String(first.body.code ?? '')}`);
  if (first.status !== 202)
    throw new Error(`expected pending, got ${first.status} ${JSON.stringify(first.body)}`);
  const pendingSeconds = (first.body.data as { pending?: number } | undefined)?.pending;
  detail(
    `bank B screened a1 (sanctions: clear) but b1 has not allowed bank A: b1 is asked; retry in ${pendingSeconds} s`,
  );

  step(3, "b1 approves sharing their details with bank A (bank B's operator console, Approvals)");
  const consoleB = new ConsoleClient(b.urls.callbacks, b.plan.operatorPassword);
  await consoleB.signIn();
  detail(`${await consoleB.decideAllPending('approve')} request approved`);

  step(
    4,
    'Bank A retries the same payment id: compliance A re-sends the stored auth data (same nonce), bank B now says ok',
  );
  const answer = await complianceSend(a, sendForm(payment, a.plan.base.publicKey()));
  const authResponse = answer.body.auth_response as Record<string, unknown>;
  detail(
    `auth response: info_status ${String(authResponse.info_status)}, tx_status ${String(authResponse.tx_status)}`,
  );
  detail(`b1's details disclosed to bank A: ${String(authResponse.dest_info)}`);
  const second = await pay(a, payment);
  if (second.status !== 200)
    throw new Error(`payment failed: ${second.status} ${JSON.stringify(second.body)}`);
  const hash = String(second.body.hash);
  detail(`bridge A signed and submitted it: transaction ${hash} in ledger ${String(second.body.ledger)}`);

  step(
    5,
    "Bank B's bridge sees the payment, asks compliance B /receive for the auth data behind the memo, and its backend credits b1",
  );
  await waitForDelivery(b, hash);
  detail(`bank B's backend reports the payment ${hash.slice(0, 12)}… delivered`);

  step(6, 'Balances');
  detail(`b1 at bank B (bank's books):        ${(await consoleB.balanceOf('b1*bank-b.test')) ?? '—'}`);
  detail(
    `bank B receiving account (ledger):  ${await balanceOf(stack.localnet.url, b.plan.receiving.publicKey(), usd)} USD`,
  );
  detail(
    `bank A paying account (ledger):     ${await balanceOf(stack.localnet.url, a.plan.base.publicKey(), usd)} USD`,
  );

  say('\nDone: money moved from a1*bank-a.test to b1*bank-b.test with the full compliance exchange.');
  say(`  transaction: ${hash}`);
  say(`  Horizon (localnet): ${stack.localnet.url}/transactions/${hash}`);
  for (const bank of [a, b]) {
    say(
      `  ${bank.plan.domain} operator console: ${bank.urls.callbacks}/console  (password: ${bank.plan.operatorPassword})`,
    );
  }
  say(`  configs, databases and logs: ${runDir}`);
  if (values.exit) await shutdown(0);
  else say('\nThe stack keeps running; Ctrl-C stops every process it started.');
} catch (err) {
  say(`\nThe demo failed: ${err instanceof Error ? err.message : String(err)}`);
  say(`Service logs are in ${runDir}`);
  await shutdown(1);
}
