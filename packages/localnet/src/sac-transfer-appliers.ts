// Development-only Stellar Asset Contract (SAC) transfers (LocalnetOptions.devSacTransfers).
// localnet runs no Soroban, yet real accounts receive SAC `transfer` calls that Horizon lists among
// their payments. With the option on, an invoke_host_function that calls the SAC of a classic asset
// (the contract id `Asset.contractId(passphrase)`) as `transfer(from, to, amount)` or the admin's
// `mint(to, amount)` moves the classic balances as the SAC does on classic accounts (trustline
// authorized and within its limit, spendable balance, the issuer minting and burning), and records
// what Horizon records for it: `function`, `parameters` and `asset_balance_changes`
// (stellar/stellar-horizon internal/ingest/processors/operations_processor.go,
// createSACBalanceChangeEntry) and the account_debited / account_credited effects
// (effects_processor.go addInvokeHostFunctionEffects). The CAP-67 events are built from the balance
// changes (rpc/cap67-events.ts). What it simplifies: authorization is the operation source's own
// (`from`, or the issuer for `mint`, must be the operation's source account; no Soroban auth
// entries are read), no footprint or resource fee is required, and every SAC failure is
// `function_trapped`. Without the option the operation stays op_not_supported.
import { Address, MuxedAccount, scValToNative, xdr } from '@stellar/stellar-sdk';
import { createHash } from 'node:crypto';
import { formatAmount } from './amount.js';
import { assetFields, credit, debit, type ApplyContext } from './operation-appliers.js';
import { opResult, opSuccess, type OpOutcome } from './result-xdr.js';
import type { AccountRef, Asset, ParsedOp } from './xdr-decode.js';

/** What the dev-only SAC needs from the network: the contract id of an asset (C…). */
export interface SacContext {
  contractIdOf(asset: Asset): string;
}

/** One entry of Horizon's `asset_balance_changes`. */
export interface BalanceChange {
  type: 'transfer' | 'mint' | 'burn';
  from?: string;
  to?: string;
  amount: string;
  asset_type: string;
  asset_code?: string;
  asset_issuer?: string;
  destination_muxed_id?: string;
}

const trapped = (): OpOutcome => opResult('invokeHostFunction', 'Trapped');

/** Horizon's `parameters`: each ScVal as its XDR arm name and base64 value (extractFunctionArgs). */
function parameter(v: xdr.ScVal): { value: string; type: string } {
  // js-xdr's arm names are Go's with a lower-case first letter (sym, address, i128).
  const arm = (v as unknown as { arm(): string }).arm();
  return { value: v.toXDR('base64'), type: arm[0]!.toUpperCase() + arm.slice(1) };
}

/** A classic account address, with the muxed id when it is an M… address; undefined for contracts. */
function accountOf(v: xdr.ScVal | undefined): AccountRef | undefined {
  if (v?.switch().name !== 'scvAddress') return undefined;
  const address = Address.fromScVal(v).toString();
  if (address.startsWith('G')) return { account: address };
  if (!address.startsWith('M')) return undefined;
  const muxed = MuxedAccount.fromAddress(address, '0');
  return { account: muxed.baseAccount().accountId(), muxed: address, muxedId: muxed.id() };
}

function amountOf(v: xdr.ScVal | undefined): bigint | undefined {
  if (v?.switch().name !== 'scvI128') return undefined;
  return scValToNative(v) as bigint;
}

/** The classic assets whose SAC this call could be: lumens and every line either account holds. */
function candidateAssets(ctx: ApplyContext, accounts: string[]): Asset[] {
  const out: Asset[] = [{ type: 'native' }];
  for (const id of accounts) {
    for (const tl of ctx.txn.get(id)?.trustlines.values() ?? []) {
      out.push({ type: tl.type, code: tl.code, issuer: tl.issuer });
    }
  }
  return out;
}

export function invokeHostFunction(
  op: ParsedOp & { type: 'invoke_host_function' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  const hf = op.hostFunction;
  if (hf.switch().name !== 'hostFunctionTypeInvokeContract') return trapped();
  const call = hf.invokeContract();
  const fn = call.functionName().toString();
  const args = call.args();
  ctx.details.function = 'HostFunctionTypeHostFunctionTypeInvokeContract';
  ctx.details.parameters = [
    xdr.ScVal.scvAddress(call.contractAddress()),
    xdr.ScVal.scvSymbol(fn),
    ...args,
  ].map(parameter);
  ctx.details.address = '';
  ctx.details.salt = '';
  ctx.details.asset_balance_changes = null;
  const sac = ctx.sac;
  if (!sac) return trapped();
  const contract = Address.fromScAddress(call.contractAddress()).toString();
  let from: AccountRef | undefined;
  let to: AccountRef | undefined;
  let amount: bigint | undefined;
  if (fn === 'transfer' && args.length === 3) {
    [from, to, amount] = [accountOf(args[0]), accountOf(args[1]), amountOf(args[2])];
    if (from?.muxed) return trapped(); // `from` is an Address, never muxed
  } else if (fn === 'mint' && args.length === 2) {
    [to, amount] = [accountOf(args[0]), amountOf(args[1])];
  } else return trapped();
  if (!to || amount === undefined || amount < 0n || (fn === 'transfer' && !from)) return trapped();
  const asset = candidateAssets(ctx, [from?.account ?? sourceId, to.account]).find(
    (a) => sac.contractIdOf(a) === contract,
  );
  if (!asset) return trapped();
  const issuer = asset.type === 'native' ? undefined : asset.issuer;
  // mint is the admin's (the issuer's) function; transfer needs `from`'s own authorization.
  if (fn === 'mint' && issuer !== sourceId) return trapped();
  const payer = fn === 'mint' ? sourceId : from!.account;
  if (payer !== sourceId) return trapped();
  ctx.participants.add(payer);
  ctx.participants.add(to.account);
  const dest = ctx.txn.load(to.account);
  const src = ctx.txn.load(payer);
  if (!dest || !src) return trapped();
  if (credit(ctx, dest, asset, amount) || debit(ctx, src, asset, amount)) return trapped();

  const fromIssuer = payer === issuer;
  const toIssuer = to.account === issuer;
  const type = fromIssuer && !toIssuer ? 'mint' : toIssuer && !fromIssuer ? 'burn' : 'transfer';
  const fields = { amount: formatAmount(amount), ...assetFields(asset) };
  const change: BalanceChange = {
    type,
    ...(type !== 'mint' ? { from: payer } : {}),
    ...(type !== 'burn' ? { to: to.account } : {}),
    ...(fields as Omit<BalanceChange, 'type'>),
    ...(type !== 'burn' && to.muxedId !== undefined ? { destination_muxed_id: to.muxedId } : {}),
  };
  ctx.details.asset_balance_changes = [change];
  if (type !== 'mint') ctx.effects.push({ type: 'account_debited', account: payer, fields });
  if (type !== 'burn') {
    ctx.effects.push({
      type: 'account_credited',
      account: to.account,
      fields,
      ...(to.muxed ? { muxed: to } : {}),
    });
  }
  // The success hash stands for sha256(InvokeHostFunctionSuccessPreImage): here over the void return.
  return opSuccess('invokeHostFunction', createHash('sha256').update(xdr.ScVal.scvVoid().toXDR()).digest());
}
