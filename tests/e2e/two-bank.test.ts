// The whole product, as a bank runs it: localnet, and two banks whose
// federation, compliance, bridge and callbacks are each their own OS process,
// behind real nginx with TLS and the development CA, on real MariaDB. The
// scenarios are the user's flow, a sanctioned sender, and a plain payment.
import dns from 'node:dns';
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Federation, Horizon } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balanceOf,
  ConsoleClient,
  DEMO_CUSTOMERS,
  findNginx,
  lookUp,
  pay,
  publicClients,
  resetMysqlDatabases,
  startTwoBankStack,
  waitForDelivery,
  type RunningStack,
} from '@anchor/tools';

const ci = process.env.CI === 'true';
const nginx = findNginx();
const isRoot = process.getuid?.() === 0;
const mysqlUrl = process.env.TEST_MYSQL_URL;

if (ci && !nginx) throw new Error('CI=true: the end-to-end tests need nginx (apt-get install nginx)');
if (ci && !mysqlUrl) throw new Error('CI=true: the end-to-end tests need MariaDB/MySQL');
// Port 443 (where an unmodified client looks for https://bank-b.test) needs root.
if (ci && !isRoot)
  throw new Error('CI=true: the end-to-end tests must run as root to serve nginx on port 443');
if (!nginx) process.stderr.write('[tests] skipping end-to-end tests: nginx is not installed\n');

// The bridges on localnet's Horizon, then on its Stellar RPC (no Horizon configured, issue 11).
describe.skipIf(!nginx).each(['horizon', 'rpc'] as const)(
  'two banks end to end over %s (processes, nginx with TLS, MariaDB)',
  (backend) => {
    let stack: RunningStack;
    let usdIssuer: string;

    beforeAll(async () => {
      const server = mysqlUrl ? new URL(mysqlUrl) : undefined;
      if (server) server.pathname = '/';
      stack = await startTwoBankStack({
        runDir: mkdtempSync(join(tmpdir(), 'anchor-e2e-')),
        closeIntervalMs: 300,
        backend,
        nginx: 'require',
        // On 443 an unmodified client (the stellar-sdk) reaches https://bank-b.test.
        httpsPort: isRoot ? 443 : undefined,
        mysqlServerUrl: server?.toString().replace(/\/$/, ''),
        databasePrefix: `e2e_${backend}_${Date.now().toString(36)}`,
        customers: DEMO_CUSTOMERS,
      });
      usdIssuer = stack.setup.usd.getIssuer();
    }, 180_000);

    afterAll(async () => {
      await stack?.stop();
      for (const bank of stack ? [stack.banks.a, stack.banks.b] : [])
        await resetMysqlDatabases(bank.files, false);
    });

    const usd = (amount: string) => ({ amount, asset_code: 'USD', asset_issuer: usdIssuer });

    it('serves stellar.toml through nginx over TLS and refuses every internal endpoint', async () => {
      const { http } = publicClients(stack);
      const toml = await http.get('https://bank-b.test/.well-known/stellar.toml');
      expect(toml.status).toBe(200);
      expect(toml.headers['content-type']).toMatch(/^text\/plain/);
      expect(toml.headers['access-control-allow-origin']).toBe('*');
      expect(toml.data).toContain(`SIGNING_KEY = "${stack.banks.b.plan.signing.publicKey()}"`);
      for (const path of [
        '/send',
        '/receive',
        '/allow_access',
        '/payment',
        '/admin/received-payments',
        '/console',
        '/receive',
        '/ask_user',
        '/health',
        '/metrics',
      ]) {
        for (const method of ['GET', 'POST'] as const) {
          const res = await http.request({ url: `https://bank-b.test${path}`, method });
          expect(res.status, `${method} ${path}`).toBe(404);
        }
      }
    });

    it.skipIf(!isRoot)(
      'lets the real stellar-sdk resolve b1*bank-b.test through nginx over HTTPS',
      async () => {
        // The SDK uses its own HTTP client: give the process's default agent the dev CA and
        // the dev-domain routing, as a bank's /etc/hosts and CA bundle would.
        const agent = https.globalAgent as https.Agent & { options: https.AgentOptions };
        const saved = { ca: agent.options.ca, lookup: agent.options.lookup };
        agent.options.ca = [...tls.rootCertificates, readFileSync(stack.front.caFile as string, 'utf8')];
        agent.options.lookup = ((
          hostname: string,
          options: dns.LookupOptions,
          callback: (...args: unknown[]) => void,
        ) =>
          hostname.endsWith('.test')
            ? options.all
              ? callback(null, [{ address: '127.0.0.1', family: 4 }])
              : callback(null, '127.0.0.1', 4)
            : dns.lookup(hostname, options, callback as never)) as never;
        try {
          const record = await Federation.Server.resolve('b1*bank-b.test');
          expect(record).toMatchObject({
            account_id: stack.banks.b.plan.receiving.publicKey(),
            memo_type: 'id',
            memo: '3001',
          });
        } finally {
          agent.options.ca = saved.ca;
          agent.options.lookup = saved.lookup;
        }
      },
    );

    it('moves money a1 → b1 with the compliance exchange: pending until b1 approves, then ok, delivered and credited once', async () => {
      const { a, b } = stack.banks;
      const record = await lookUp(stack, 'b1*bank-b.test');
      expect(record.account_id).toBe(b.plan.receiving.publicKey());

      const payment = {
        id: 'e2e-compliance-1',
        ...usd('25'),
        sender: 'a1*bank-a.test',
        destination: 'b1*bank-b.test',
        use_compliance: 'true',
      };
      const pending = await pay(a, payment);
      expect(pending.status).toBe(202);
      expect(pending.body).toMatchObject({ code: 'pending', data: { pending: 5 } });

      const consoleB = new ConsoleClient(b.urls.callbacks, b.plan.operatorPassword);
      await consoleB.signIn();
      expect(await consoleB.decideAllPending('approve')).toBe(1);

      const ok = await pay(a, payment);
      expect(ok.status).toBe(200);
      const hash = String(ok.body.hash);
      expect(await waitForDelivery(b, hash)).toBe('delivered');
      expect(await consoleB.balanceOf('b1*bank-b.test')).toBe('25.00 USD');

      // SEP-4: bank A asks bank B's AUTH_SERVER (through nginx) how its payment went.
      const { http } = publicClients(stack);
      const txStatusUrl = `https://bank-b.test/compliance/tx_status?id=${hash}`;
      expect((await http.get(txStatusUrl)).status).toBe(401);
      const txStatus = await http.get(txStatusUrl, {
        auth: { username: 'partner', password: b.plan.txStatusPassword },
      });
      expect(txStatus.status).toBe(200);
      expect(txStatus.data).toMatchObject({ status: 'delivered' });

      // The same id again never makes a second transaction.
      const again = await pay(a, payment);
      expect(again.body.hash).toBe(hash);
      const horizon = new Horizon.Server(stack.localnet.url, { allowHttp: true });
      const received = await horizon.payments().forAccount(b.plan.receiving.publicKey()).limit(200).call();
      expect(received.records.filter((r) => r.transaction_hash === hash)).toHaveLength(1);
      expect(await balanceOf(stack.localnet.url, b.plan.receiving.publicKey(), stack.setup.usd)).toBe(
        '25.0000000',
      );
    });

    it('denies a sanctioned sender and moves no money', async () => {
      const { a, b } = stack.banks;
      const before = await balanceOf(stack.localnet.url, b.plan.receiving.publicKey(), stack.setup.usd);
      const denied = await pay(a, {
        id: 'e2e-sanctioned-1',
        ...usd('10'),
        sender: 'a2*bank-a.test',
        destination: 'b1*bank-b.test',
        use_compliance: 'true',
      });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('denied');
      expect(await balanceOf(stack.localnet.url, b.plan.receiving.publicKey(), stack.setup.usd)).toBe(before);
    });

    it('routes a plain payment by the federation memo and credits b1', async () => {
      const { a, b } = stack.banks;
      const plain = await pay(a, { id: 'e2e-plain-1', ...usd('10'), destination: 'b1*bank-b.test' });
      expect(plain.status).toBe(200);
      expect(await waitForDelivery(b, String(plain.body.hash))).toBe('delivered');
      const consoleB = new ConsoleClient(b.urls.callbacks, b.plan.operatorPassword);
      await consoleB.signIn();
      expect(await consoleB.balanceOf('b1*bank-b.test')).toBe('35.00 USD');
    });
  },
);
