// The demo's two-bank payment (a1*bank-a.test pays 25 USD to b1*bank-b.test) driven
// against the compose stack, one step per invocation so that run.sh can restart
// services between steps. It runs inside a helper container of the tools image on
// the stack's back network (run.sh's flow() lays out /tmp/flow like the repository), playing bank A's backend (bridge /payment, compliance
// /send) and bank B's operator (the callbacks console): compose gives neither a route
// from outside, on purpose. The steps are the demo's own functions (@anchor/tools).
//
//   payment-flow.ts customers a|b      the demo's customers as a callbacks --seed file
//   payment-flow.ts pending            bridge A answers 202: bank B asks b1 first
//   payment-flow.ts approve-and-pay    b1 approves in console B; the retry is paid (prints the hash)
//   payment-flow.ts delivered <hash>   bank B credits b1 exactly once; paying again is the same transaction
//   payment-flow.ts balance            b1's balance on bank B's books
import { Asset, Keypair } from '@stellar/stellar-sdk';
// The modules, not the package index: the index also loads the demo's process stack,
// whose dependencies the tools image does not install.
import { ConsoleClient } from '../../packages/tools/src/demo/console-client.ts';
import { DEMO_CUSTOMERS } from '../../packages/tools/src/demo/demo-customers.ts';
import { balanceOf } from '../../packages/tools/src/demo/network-setup.ts';
import {
  complianceSend,
  demoPayment,
  pay,
  sendForm,
  waitForDelivery,
  type BankEndpoints,
} from '../../packages/tools/src/demo/payment-flow.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
  process.stdout.write(`ok: ${what}\n`);
}

// Service names of docker-compose.yml's back network.
const bankA: BankEndpoints = {
  plan: { apiKey: env('FLOW_BRIDGE_API_KEY_A') },
  urls: {
    bridge: 'http://bridge-internal:8006',
    complianceInternal: 'http://compliance-internal:8004',
    callbacks: 'http://callbacks:8005',
  },
};
const bankB: BankEndpoints = {
  plan: { apiKey: '' },
  urls: {
    bridge: 'http://bridge-b-internal:8006',
    complianceInternal: 'http://compliance-b-internal:8004',
    callbacks: 'http://callbacks-b:8005',
  },
};
const horizon = env('HORIZON_URL');
const usd = new Asset('USD', Keypair.fromSecret(env('LOCAL_USD_ISSUER_SEED')).publicKey());
const payment = demoPayment(env('FLOW_PAYMENT_ID'), usd.getIssuer());
const consoleB = () => new ConsoleClient(bankB.urls.callbacks, env('FLOW_OPERATOR_PASSWORD_B'));

async function pending(): Promise<void> {
  const first = await pay(bankA, payment);
  check(
    first.status === 202,
    `bridge A answers 202 pending (got ${first.status} ${JSON.stringify(first.body)})`,
  );
}

async function approveAndPay(): Promise<void> {
  const operator = consoleB();
  await operator.signIn();
  const approved = await operator.decideAllPending('approve');
  check(approved === 1, `b1 approves one request in bank B's console (${approved})`);
  const answer = await complianceSend(
    bankA,
    sendForm(payment, Keypair.fromSecret(env('BANK_A_BASE_SEED')).publicKey()),
  );
  const auth = (answer.body.auth_response ?? {}) as Record<string, unknown>;
  check(
    auth.info_status === 'ok' && auth.tx_status === 'ok' && typeof auth.dest_info === 'string',
    `bank B now says ok and discloses b1 (${JSON.stringify(auth)})`,
  );
  const paid = await pay(bankA, payment);
  check(paid.status === 200 && typeof paid.body.hash === 'string', `bridge A pays (${paid.status})`);
  process.stdout.write(`hash ${String(paid.body.hash)}\n`);
}

async function delivered(hash: string): Promise<void> {
  check((await waitForDelivery(bankB, hash, 120_000)) === 'delivered', `bank B delivered ${hash}`);
  const again = await pay(bankA, payment);
  check(
    again.status === 200 && again.body.hash === hash,
    `paying the same id again answers the same transaction (${again.status} ${String(again.body.hash)})`,
  );
  const operator = consoleB();
  await operator.signIn();
  const b1 = await operator.balanceOf('b1*bank-b.test');
  check(b1 === '25.00 USD', `b1 is credited exactly once on bank B's books (${b1})`);
  const receiving = Keypair.fromSecret(env('BANK_B_RECEIVING_SEED')).publicKey();
  const onLedger = await balanceOf(horizon, receiving, usd);
  check(onLedger === '25.0000000', `bank B's receiving account holds 25 USD on the ledger (${onLedger})`);
}

async function balance(): Promise<void> {
  const operator = consoleB();
  await operator.signIn();
  process.stdout.write(`b1 ${(await operator.balanceOf('b1*bank-b.test')) ?? '—'}\n`);
}

const [command, arg] = process.argv.slice(2);
if (command === 'customers' && (arg === 'a' || arg === 'b')) {
  process.stdout.write(`${JSON.stringify(DEMO_CUSTOMERS[arg])}\n`);
} else if (command === 'pending') {
  await pending();
} else if (command === 'approve-and-pay') {
  await approveAndPay();
} else if (command === 'delivered' && arg) {
  await delivered(arg);
} else if (command === 'balance') {
  await balance();
} else {
  throw new Error(
    `usage: payment-flow.ts customers a|b | pending | approve-and-pay | delivered <hash> | balance`,
  );
}
