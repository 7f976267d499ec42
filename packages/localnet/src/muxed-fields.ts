// Horizon's muxed-account (CAP-27 / SEP-23) fields. Every resource that names an account that
// an envelope may spell as M… carries the G account under its own name plus `<name>_muxed` (the
// M… address) and `<name>_muxed_id` (its 64-bit id as a decimal string) when it was muxed:
// stellar/stellar-horizon internal/ingest/processors/operations_processor.go
// (addAccountAndMuxedAccountDetails), effects_processor.go (addMuxed / addUnmuxed) and the
// go-stellar-sdk protocols' `json:"…_muxed_id,omitempty,string"` tags — so an id of 0 is omitted.
import type { EffectRecord } from './operation-appliers.js';
import type { AccountRef, ParsedOp } from './xdr-decode.js';

export function muxedFields(ref: AccountRef | undefined, name: string): Record<string, unknown> {
  if (!ref?.muxed) return {};
  return {
    [`${name}_muxed`]: ref.muxed,
    ...(ref.muxedId !== '0' ? { [`${name}_muxed_id`]: ref.muxedId } : {}),
  };
}

/** `{ name: G…, name_muxed?, name_muxed_id? }`, as addAccountAndMuxedAccountDetails writes them. */
export function accountFields(ref: AccountRef, name: string): Record<string, unknown> {
  return { [name]: ref.account, ...muxedFields(ref, name) };
}

/**
 * The muxed form of an effect's account, if Horizon records one: `account_credited` of a payment,
 * path payment or merge names the operation's destination as written; every other effect on the
 * operation's source names the source as written; effects on other accounts (the account
 * create_account makes, trustors) are recorded unmuxed.
 */
export function effectAccountRef(op: ParsedOp, source: AccountRef, e: EffectRecord): AccountRef | undefined {
  if (e.muxed) return e.muxed;
  if (e.type === 'account_credited' && 'destination' in op && typeof op.destination === 'object') {
    return op.destination;
  }
  return e.account === source.account ? source : undefined;
}

/**
 * A trade effect on the maker names the taker (the operation's source) as `seller`, with its muxed
 * form when it was muxed: effects_processor.go tradeDetails, addAccountAndMuxedAccountDetails(sd,
 * buyer, "seller"). The taker's own effect is muxed through effectAccountRef.
 */
export function withTradeSellerMuxed(source: AccountRef, e: EffectRecord): EffectRecord {
  if (e.type !== 'trade' || e.account === source.account || e.fields.seller !== source.account) return e;
  return { ...e, fields: { ...e.fields, ...muxedFields(source, 'seller') } };
}
