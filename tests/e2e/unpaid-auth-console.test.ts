// Issue 13 #6, the console view: authorizations that no payment followed, as the
// operator sees them in the callbacks console, read from the real compliance
// server's internal GET /unpaid_auth after a real signed auth request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentMemoHashBase64 } from '@anchor/protocol';
import { startServer, type RunningServer } from '@anchor/support';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { ConsoleClient } from '@anchor/tools';
import { OPERATOR_PASSWORD, startHarness, type Harness } from '../../services/callbacks/test/helpers.js';
import { buildAuthRequest } from '../../services/compliance/test/support/auth-requests.js';
import { startBank, type Bank } from '../../services/compliance/test/support/bank.js';
import { CallbacksServer } from '../../services/compliance/test/support/servers.js';
import { postForm } from '../../services/compliance/test/support/world.js';

const sqlite = databaseLegs(['sqlite3'])[0]!;

describe('the console lists authorizations no payment followed', () => {
  let backend: CallbacksServer;
  let sender: Bank;
  let receiver: Bank;
  const databases: TestDatabase[] = [];
  const harnesses: Harness[] = [];
  const servers: RunningServer[] = [];

  /** A callbacks console over its own database, reading compliance at `complianceInternalUrl`. */
  async function openConsole(complianceInternalUrl: string): Promise<ConsoleClient> {
    const harness = await startHarness(sqlite, 600, { complianceInternalUrl });
    harnesses.push(harness);
    const server = await startServer(harness.app, { port: 0 });
    servers.push(server);
    const client = new ConsoleClient(server.url, OPERATOR_PASSWORD);
    await client.signIn();
    return client;
  }

  beforeAll(async () => {
    backend = await new CallbacksServer().start();
    const bank = async (name: string) => {
      const database = await sqlite.create();
      databases.push(database);
      return startBank({ name, database, callbacksServer: backend });
    };
    sender = await bank('a');
    receiver = await bank('r');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(harnesses.map((h) => h.close()));
    await Promise.all([sender, receiver].map((b) => b?.close()));
    await backend?.close();
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('shows each sender domain with its unpaid count, and says so when compliance does not answer', async () => {
    const request = buildAuthRequest({ seed: sender.keypair.secret(), sender: `alice*${sender.domain}` });
    expect((await postForm(`${receiver.external.url}/`, request.body)).status).toBe(200);
    // An hour and a bit later, still no payment:
    await receiver
      .db('authorized_transaction')
      .where({ memo: attachmentMemoHashBase64(request.attachment) })
      .update({ authorized_at: new Date(Date.now() - 2 * 3600_000) });

    const page = await (await openConsole(receiver.internal.url)).page('/console/unpaid');
    expect(page).toContain('<strong id="unpaid-total">1</strong>');
    expect(page).toMatch(new RegExp(`${sender.domain.replace(/\./g, '\\.')}</td>\\s*<td class="num">1</td>`));

    // A compliance that is not there: the page says so, the console keeps working.
    const down = await startServer((_req, res) => res.writeHead(503).end(), { port: 0 });
    await down.close();
    const failed = await (await openConsole(down.url)).page('/console/unpaid');
    expect(failed).toContain('The compliance server did not answer');
  });
});
