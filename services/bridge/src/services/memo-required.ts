// SEP-29 (stellar-protocol ecosystem/sep-0029.md): an account that needs a memo to
// credit incoming payments (an exchange's shared deposit account) says so with the
// data entry `config.memo_required` = "1". The bridge checks it itself, on the
// destination account it already loads, instead of the SDK's submitTransaction check
// (the submitter passes skipMemoRequiredCheck: true): one Horizon call fewer, and a
// stable client error instead of the SDK's AccountRequiresMemoError.
import { type Memo, StrKey } from '@stellar/stellar-sdk';
import { AppError } from '@anchor/support';

export const MEMO_REQUIRED_KEY = 'config.memo_required';
/** "1" as Horizon prints it: account `data` values are base64. */
const MEMO_REQUIRED_VALUE = Buffer.from('1').toString('base64');

/**
 * Refuses (400 memo_required, data.name = memo) a payment without memo to an account whose
 * data says it requires one. A muxed (M…) destination is exempt: its id already tells the
 * receiver who the payment is for (SEP-29 "Muxed accounts").
 */
export function assertMemoGiven(
  destination: string,
  data: Readonly<Record<string, string>> | undefined,
  memo: Memo | undefined,
): void {
  if (StrKey.isValidMed25519PublicKey(destination)) return;
  if (data?.[MEMO_REQUIRED_KEY] !== MEMO_REQUIRED_VALUE) return;
  if (memo && memo.type !== 'none') return;
  throw new AppError(
    400,
    'memo_required',
    'The destination account requires a memo (SEP-29 config.memo_required).',
    { data: { name: 'memo' } },
  );
}
