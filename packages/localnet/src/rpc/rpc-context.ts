// What every RPC method handler gets: the ledger store, the closer (live state) and the one
// place transactions enter the queue, so the submission path can be switched in one spot.
import type { AsyncSubmitStatus, LedgerCloser } from '../ledger-closer.js';
import type { Logger } from '../logger.js';
import type { ParsedTx } from '../xdr-decode.js';
import type { RpcLedgerStore } from './rpc-ledger-store.js';

export interface RpcContext {
  store: RpcLedgerStore;
  closer: LedgerCloser;
  networkPassphrase: string;
  friendbotUrl: string;
  log: Logger;
  /** Queues a decoded transaction, answering like stellar-core's /tx endpoint. */
  submit(tx: ParsedTx): AsyncSubmitStatus;
}
