// The network port over Horizon (@stellar/stellar-sdk Horizon.Server): the code paths the bridge
// has always used, gathered behind StellarNetwork. Also serves as the RPC adapter's backfill.
import { Horizon, type FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk';
import type { PaymentRecord } from '../services/listener.service.js';
import { isNotFound } from '../services/horizon-errors.js';
import type {
  FeeStats,
  FoundTransaction,
  LandedTransaction,
  LatestLedger,
  NetworkAccount,
  PaymentStreamHandlers,
  StellarNetwork,
} from './stellar-network.js';

/** How many of a source's latest transactions are searched for the user of a sequence number. */
const SEQUENCE_SCAN = 100;

export class HorizonNetwork implements StellarNetwork {
  readonly backend = 'horizon' as const;
  readonly server: Horizon.Server;

  constructor(url: string) {
    this.server = new Horizon.Server(url, { allowHttp: url.startsWith('http:') });
  }

  async health(): Promise<void> {
    await this.server.root();
  }

  async historyElderLedger(): Promise<number> {
    return Number((await this.server.root()).history_elder_ledger);
  }

  async lastChangedLedger(accountId: string): Promise<number> {
    const acct = await this.server.loadAccount(accountId);
    return Math.max(
      Number(acct.last_modified_ledger),
      ...acct.balances.map((b) => Number((b as { last_modified_ledger?: number }).last_modified_ledger ?? 0)),
    );
  }

  async loadAccount(accountId: string): Promise<NetworkAccount> {
    const account = await this.server.loadAccount(accountId);
    return { accountId, sequence: account.sequenceNumber(), data: { ...account.data_attr } };
  }

  async feeStats(): Promise<FeeStats> {
    const stats = await this.server.feeStats();
    return { baseFee: Number(stats.last_ledger_base_fee), bids: numbers(stats.max_fee) };
  }

  async submit(tx: Transaction | FeeBumpTransaction): Promise<LandedTransaction> {
    // The bank decides memos: SEP-29's memo-required check is not the bridge's to make.
    const res = await this.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    return {
      hash: res.hash,
      ledger: Number(res.ledger),
      envelope_xdr: res.envelope_xdr ?? tx.toEnvelope().toXDR('base64'),
      result_xdr: res.result_xdr,
    };
  }

  async findTransaction(hash: string): Promise<FoundTransaction | undefined> {
    try {
      const record = (await this.server.transactions().transaction(hash).call()) as unknown as Record<
        string,
        unknown
      >;
      return {
        hash,
        successful: record.successful !== false,
        ledger: Number(record.ledger_attr ?? record.ledger),
        envelope_xdr: String(record.envelope_xdr ?? ''),
        result_xdr: record.result_xdr as string | undefined,
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async sequenceUsedBy(
    source: string,
    sequence: string,
    hash: string,
  ): Promise<'this' | 'other' | undefined> {
    const account = await this.server.loadAccount(source);
    if (BigInt(account.sequenceNumber()) < BigInt(sequence)) return undefined;
    // The source's latest transactions: the one that used the number names itself (a fee bump
    // by its inner hash). Not among them (more traffic since, or ingestion lag): cannot tell.
    const page = await this.server
      .transactions()
      .forAccount(source)
      .order('desc')
      .limit(SEQUENCE_SCAN)
      .call();
    const user = page.records.find(
      (t) => t.source_account === source && String(t.source_account_sequence) === sequence,
    ) as unknown as { hash: string; inner_transaction?: { hash: string } } | undefined;
    if (!user) return undefined;
    return user.hash === hash || user.inner_transaction?.hash === hash ? 'this' : 'other';
  }

  async latestLedger(): Promise<LatestLedger> {
    const page = await this.server.ledgers().order('desc').limit(1).call();
    const record = page.records[0];
    return {
      sequence: Number(record?.sequence ?? 0),
      closedAt: Date.parse(String(record?.closed_at ?? '')) / 1000,
    };
  }

  async latestPaymentCursor(accountId: string): Promise<string> {
    try {
      const page = await this.server.payments().forAccount(accountId).order('desc').limit(1).call();
      return page.records[0]?.paging_token ?? '0';
    } catch (err) {
      if (isNotFound(err)) return '0';
      throw err;
    }
  }

  async paymentsPage(accountId: string, cursor: string, limit: number): Promise<PaymentRecord[]> {
    const page = await this.server
      .payments()
      .forAccount(accountId)
      .cursor(cursor)
      .order('asc')
      .limit(limit)
      .join('transactions')
      .call();
    return page.records as unknown as PaymentRecord[];
  }

  streamPayments(accountId: string, cursor: string, handlers: PaymentStreamHandlers): () => void {
    return this.server
      .payments()
      .forAccount(accountId)
      .cursor(cursor)
      .join('transactions')
      .stream({
        onmessage: (record) => handlers.onmessage(record as unknown as PaymentRecord),
        onerror: (event) =>
          handlers.onerror((event as { message?: string; status?: number } | undefined) ?? {}),
        reconnectTimeout: handlers.reconnectTimeout,
      });
  }

  async operation(operationId: string): Promise<PaymentRecord> {
    return (await this.server.operations().operation(operationId).call()) as unknown as PaymentRecord;
  }

  async mergedAmount(record: PaymentRecord): Promise<string> {
    const effects = await this.server.effects().forOperation(String(record.id)).limit(50).call();
    const credited = effects.records.find(
      (e) => (e as unknown as { type: string }).type === 'account_credited',
    ) as unknown as { amount?: string } | undefined;
    return credited?.amount ?? '0';
  }

  async transactionMemo(hash: string): Promise<{ memo_type?: string; memo?: string }> {
    return (await this.server.transactions().transaction(hash).call()) as unknown as {
      memo_type?: string;
      memo?: string;
    };
  }
}

/** A fee distribution's strings as numbers. */
export function numbers(distribution: object): Record<string, number> {
  return Object.fromEntries(Object.entries(distribution).map(([k, v]) => [k, Number(v)]));
}
