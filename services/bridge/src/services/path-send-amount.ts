// What a strict-receive path payment took from the source, read from its result: the
// source asset is what the first claimed offers bought, so their amountBought summed
// (the leading run bought in that asset, i.e. the first hop) is the amount sent; with
// no offer crossed (same asset, or every hop same-asset) the source sent what arrived.
// Same rule as stellar/go xdr/path_payment_result.go PathPaymentStrictReceiveResult.SendAmount.
import { xdr } from '@stellar/stellar-sdk';
import { stroopsToAmount } from '@anchor/protocol';

/** The amount sent by the path payment at `index` of `resultXdr`, or undefined for any other result. */
export function pathSendAmount(resultXdr: string, index: number): string | undefined {
  try {
    const results = xdr.TransactionResult.fromXDR(resultXdr, 'base64').result().results();
    const tr = results[index]?.tr();
    if (!tr || tr.switch().name !== 'pathPaymentStrictReceive') return undefined;
    const success = tr.pathPaymentStrictReceiveResult().success();
    const offers = success.offers().map((atom) => atom.value());
    if (offers.length === 0) return stroopsToAmount(success.last().amount().toBigInt());
    const sendAsset = offers[0]!.assetBought().toXDR('base64');
    let sent = 0n;
    for (const offer of offers) {
      if (offer.assetBought().toXDR('base64') !== sendAsset) break;
      sent += offer.amountBought().toBigInt();
    }
    return stroopsToAmount(sent);
  } catch {
    return undefined;
  }
}
