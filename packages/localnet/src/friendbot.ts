// Friendbot: funds accounts from the root account (Keypair.master(passphrase), as in
// stellar-core's standalone genesis). Requests arriving during one ledger are batched into a
// single real, root-signed transaction of up to 100 operations at the start of the next close,
// so funding many accounts does not hit the one-transaction-per-source-per-ledger rule.
import { Account, Asset, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { formatAmount } from './amount.js';
import type { TxRow } from './history-store.js';
import type { ClosedLedger, LedgerCloser } from './ledger-closer.js';
import type { TxOutcome } from './result-xdr.js';
import type { LedgerContext } from './transaction-validator.js';
import { decodeEnvelope, type ParsedTx } from './xdr-decode.js';

export type FundResult =
  { kind: 'applied'; row: TxRow } | { kind: 'exists' } | { kind: 'rejected'; outcome?: TxOutcome };

interface FundRequest {
  amount: bigint;
  /** Top up an existing account with a payment instead of refusing. */
  topUp: boolean;
  waiters: ((r: FundResult) => void)[];
}

const MAX_OPS = 100;

export class Friendbot {
  private readonly requests = new Map<string, FundRequest>();
  private readonly inFlight = new Map<string, ((r: FundResult) => void)[]>();

  constructor(
    private readonly closer: LedgerCloser,
    private readonly networkPassphrase: string,
    readonly defaultAmount: bigint,
  ) {
    closer.on('ledger', (l: ClosedLedger) => this.settle(l));
  }

  /** Creates (or, with topUp, also pays into) `address`; resolves once the ledger closes. */
  fund(address: string, amount = this.defaultAmount, topUp = false): Promise<FundResult> {
    if (!topUp && this.closer.state.get(address)) return Promise.resolve({ kind: 'exists' });
    let r = this.requests.get(address);
    if (!r) {
      r = { amount, topUp, waiters: [] };
      this.requests.set(address, r);
    }
    const req = r;
    return new Promise((resolve) => req.waiters.push(resolve));
  }

  /** LedgerCloser.beforeClose hook: the batch transaction for this ledger, if any. */
  buildBatch(lc: LedgerContext): ParsedTx | null {
    if (this.requests.size === 0) return null;
    const root = this.closer.state.get(this.closer.root.publicKey());
    if (!root) return null;
    const builder = new TransactionBuilder(new Account(root.id, root.seqNum.toString()), {
      fee: '100',
      networkPassphrase: this.networkPassphrase,
    }).setTimeout(0);
    const waiters: ((r: FundResult) => void)[] = [];
    let n = 0;
    for (const [address, req] of this.requests) {
      if (n >= MAX_OPS) break;
      this.requests.delete(address);
      const exists = this.closer.state.get(address);
      if (exists && !req.topUp) {
        for (const w of req.waiters) w({ kind: 'exists' });
        continue;
      }
      const amount = formatAmount(req.amount);
      builder.addOperation(
        exists
          ? Operation.payment({ destination: address, asset: Asset.native(), amount })
          : Operation.createAccount({ destination: address, startingBalance: amount }),
      );
      waiters.push(...req.waiters);
      n += 1;
    }
    if (n === 0) return null;
    void lc;
    const tx = builder.build();
    tx.sign(this.closer.root);
    const parsed = decodeEnvelope(tx.toEnvelope().toXDR('base64'), this.closer.networkId);
    this.inFlight.set(parsed.envelopeHash, waiters);
    return parsed;
  }

  private settle(_l: ClosedLedger): void {
    for (const [hash, waiters] of this.inFlight) {
      const row = this.closer.history.transaction(hash);
      const result: FundResult = row && row.successful ? { kind: 'applied', row } : { kind: 'rejected' };
      for (const w of waiters) w(result);
    }
    this.inFlight.clear();
  }
}
