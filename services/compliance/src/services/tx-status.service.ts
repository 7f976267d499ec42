// `GET /tx_status?id=` (SEP-4, external, behind HTTP Basic): what the bank's
// backend says about a payment, or `unknown` when it has no tx_status callback.
import type { TransactionStatusResponse } from '@anchor/protocol';
import type { CallbacksClient } from '../clients/callbacks.client.js';

export class TxStatusService {
  constructor(private readonly callbacks: CallbacksClient) {}

  async status(id: string): Promise<TransactionStatusResponse> {
    if (!this.callbacks.urls.tx_status) return { status: 'unknown' };
    return this.callbacks.txStatus(id);
  }
}
