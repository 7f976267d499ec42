// The result-code table covers every result arm the SDK's XDR defines, and the strings that
// differ from the XDR names are Horizon's (stellar/stellar-horizon internal/codes/main.go).
import { xdr } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { HORIZON_RESULT_CODES, horizonResultCode } from './horizon-result-codes.js';

type XdrEnum = { values(): { name: string }[] };

describe('HORIZON_RESULT_CODES', () => {
  const enums = Object.keys(xdr).filter((k) => k.endsWith('ResultCode'));

  it('has an entry for every value of every XDR *ResultCode enum', () => {
    expect(enums.length).toBeGreaterThan(20);
    const table = xdr as unknown as Record<string, XdrEnum>;
    const missing = enums.flatMap((e) =>
      table[e]!.values()
        .map((v) => v.name)
        .filter((name) => horizonResultCode(name) === undefined),
    );
    expect(missing).toEqual([]);
  });

  // Source for every row: stellar/stellar-horizon internal/codes/main.go
  it.each([
    ['allowTrustNoTrustLine', 'op_no_trust'],
    ['setTrustLineFlagsNoTrustLine', 'op_no_trust'],
    ['allowTrustTrustNotRequired', 'op_not_required'],
    ['changeTrustNotAuthMaintainLiabilities', 'op_not_aut_maintain_liabilities'],
    ['txBadMinSeqAgeOrGap', 'tx_bad_minseq_age_or_gap'],
    ['txNoAccount', 'tx_no_source_account'],
    ['opNoAccount', 'op_no_source_account'],
    ['createAccountAlreadyExist', 'op_already_exists'],
    ['accountMergeSeqnumTooFar', 'op_seq_num_too_far'],
    ['accountMergeNoAccount', 'op_no_account'],
    ['manageSellOfferSellNotAuthorized', 'sell_not_authorized'],
    ['manageBuyOfferBuyNoIssuer', 'buy_no_issuer'],
    ['pathPaymentStrictReceiveOverSendmax', 'op_over_source_max'],
    ['pathPaymentStrictSendUnderDestmin', 'op_under_dest_min'],
    ['manageDataNameNotFound', 'op_data_name_not_found'],
    ['invokeHostFunctionTrapped', 'function_trapped'],
  ])('%s → %s', (arm, code) => {
    expect(horizonResultCode(arm)).toBe(code);
  });

  it('answers undefined for a name Horizon has no string for, not a prototype member', () => {
    expect(horizonResultCode('toString')).toBeUndefined();
    expect(horizonResultCode('paymentSomethingNew')).toBeUndefined();
    expect(Object.isFrozen(HORIZON_RESULT_CODES)).toBe(true);
  });
});
