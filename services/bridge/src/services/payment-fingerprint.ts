// The fingerprint of a /payment request: a SHA-256 over the canonical form of
// the parameters that define the payment (who pays, to whom, what, how much,
// with which memo, through which path, with or without compliance). Stored with
// the payment id, it tells a repeated request (same payment: answer its first
// outcome) from an id reused for another payment (409 payment_id_conflict).
// Canonical means equal payments hash equally however they were written:
// amounts in stroops, the paying account rather than its seed (an absent
// `source` is the base account), hash memos in lower case, forward fields sorted.
import { createHash } from 'node:crypto';
import { amountToStroops, type Asset } from '@anchor/protocol';
import { AppError } from '@anchor/support';
import type { PaymentRequest } from './payment.service.js';

/** Bumped if the canonical form ever changes (older fingerprints then stop matching). */
const VERSION = 1;

function assetKey(asset: Asset): string {
  return asset.type === 'native' ? 'native' : `${asset.code}:${asset.issuer}`;
}

export function paymentFingerprint(request: PaymentRequest): string {
  const form = request.form;
  const memoType = form.memo_type ?? '';
  const memo = memoType === 'hash' ? (form.memo ?? '').toLowerCase() : (form.memo ?? '');
  const forward = request.forwardDestination
    ? {
        domain: request.forwardDestination.domain,
        fields: Object.entries(request.forwardDestination.fields).sort(([a], [b]) => (a < b ? -1 : 1)),
      }
    : null;
  const canonical = {
    v: VERSION,
    source: request.source.publicKey(),
    sender: request.sender ?? '',
    destination: request.destination ?? '',
    forward_destination: forward,
    amount: amountToStroops(request.amount).toString(),
    memo_type: memoType,
    memo,
    asset: assetKey(request.asset),
    send_max: request.sendMax === undefined ? '' : amountToStroops(request.sendMax).toString(),
    send_asset: assetKey(request.sendAsset),
    path: request.path.map(assetKey),
    use_compliance: request.useCompliance,
    extra_memo: request.extraMemo ?? '',
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** 409: the id already names another payment. */
export class PaymentIdConflictError extends AppError {
  constructor(id: string) {
    super(
      409,
      'payment_id_conflict',
      `Payment id ${JSON.stringify(id)} was already used for a payment with different parameters; nothing was sent. Repeat the original request unchanged to get its outcome, or use a new id for a new payment.`,
      { data: { name: 'id' } },
    );
  }
}
