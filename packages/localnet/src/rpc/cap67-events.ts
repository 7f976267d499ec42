// CAP-67 unified asset events for the classic operations localnet applies, built the way
// stellar-core's OpEventManager builds them (src/transactions/EventManager.cpp; the spec is
// stellar-protocol core/cap-0067.md): a `fee` transaction event, and per operation `transfer` /
// `mint` / `burn` (issuer on one side) / `clawback` / `set_authorized`, each published under the
// asset's Stellar Asset Contract id, muxed destinations and memos carried as `to_muxed_id`.
// Offers crossed by path payments and manage-offer operations emit both sides of every trade
// (eventsForClaimAtoms); claimable balances appear as SC_ADDRESS_TYPE_CLAIMABLE_BALANCE addresses.
import { Address, Asset as SdkAsset, StrKey, nativeToScVal, xdr } from '@stellar/stellar-sdk';
import { parseAmount } from '../amount.js';
import type { BalanceChange } from '../sac-transfer-appliers.js';
import {
  asset as decodeAsset,
  gAddress,
  type AccountRef,
  type Asset,
  type Memo,
  type ParsedTx,
} from '../xdr-decode.js';

/** What an operation did that the envelope alone does not say. */
export interface OpFacts {
  /** The trustline's AUTHORIZED flag after an allow_trust / set_trust_line_flags. */
  authorizedAfter?: boolean;
  /** What a dev-only SAC call moved (its Horizon `asset_balance_changes`). */
  balanceChanges?: BalanceChange[];
  /** The balance a claim_claimable_balance / clawback_claimable_balance removed (the entry is gone). */
  claimed?: { asset: Asset; amount: bigint };
}

export interface TxEvents {
  /** Transaction-level events (the fee charged), stage BEFORE_ALL_TXS as in protocol 23. */
  transaction: xdr.TransactionEvent[];
  /** One list per operation; empty lists for a failed transaction. */
  operations: xdr.ContractEvent[][];
}

/**
 * One side of a movement: an account (its G address, with the muxed id of an M… destination) or
 * a claimable balance (never an issuer, never carries a memo).
 */
type Party = { account: string; muxedId?: string } | { balanceId: string };

const account = (ref: AccountRef | string): Party =>
  typeof ref === 'string' ? { account: ref } : { account: ref.account, muxedId: ref.muxedId };

export class Cap67EventBuilder {
  private readonly contractIds = new Map<string, Buffer>();

  constructor(private readonly networkPassphrase: string) {}

  build(tx: ParsedTx, result: xdr.TransactionResult, opFacts: (opIndex: number) => OpFacts): TxEvents {
    const feePayer = tx.feeBump ? tx.feeBump.feeSource.account : tx.source.account;
    const fee = this.event(
      { type: 'native' },
      [sym('fee'), address(feePayer)],
      i128(toBig(result.feeCharged())),
    );
    const transaction = [
      new xdr.TransactionEvent({
        stage: xdr.TransactionEventStage.transactionEventStageBeforeAllTxes(),
        event: fee,
      }),
    ];
    const opResults = innerResults(result);
    if (!opResults) return { transaction, operations: [] };
    const operations = tx.operations.map((op, i) => {
      const out: xdr.ContractEvent[] = [];
      const source = (op.source ?? tx.source).account;
      const inner = opResults[i]!.tr();
      // The memo travels only on movements to the operation's destination (allowMuxedIdOrMemo).
      const memo = tx.memo;
      switch (op.type) {
        case 'create_account':
          out.push(
            this.transfer(
              { type: 'native' },
              account(source),
              account(op.destination),
              op.startingBalance,
              memo,
            ),
          );
          break;
        case 'payment':
          out.push(this.transfer(op.asset, account(source), account(op.destination), op.amount, memo));
          break;
        case 'path_payment_strict_receive': {
          const success = inner.pathPaymentStrictReceiveResult().success();
          out.push(...this.claimAtoms(source, success.offers()));
          out.push(
            this.transfer(op.destAsset, account(source), account(op.destination), op.destAmount, memo),
          );
          break;
        }
        case 'path_payment_strict_send': {
          const success = inner.pathPaymentStrictSendResult().success();
          out.push(...this.claimAtoms(source, success.offers()));
          const received = toBig(success.last().amount());
          out.push(this.transfer(op.destAsset, account(source), account(op.destination), received, memo));
          break;
        }
        case 'manage_sell_offer':
        case 'create_passive_sell_offer':
        case 'manage_buy_offer': {
          const res =
            op.type === 'manage_buy_offer' ? inner.manageBuyOfferResult() : inner.manageSellOfferResult();
          out.push(...this.claimAtoms(source, res.success().offersClaimed()));
          break;
        }
        case 'account_merge': {
          const merged = toBig(inner.accountMergeResult().sourceAccountBalance());
          out.push(this.transfer({ type: 'native' }, account(source), account(op.destination), merged, memo));
          break;
        }
        case 'create_claimable_balance': {
          const balanceId = inner.createClaimableBalanceResult().balanceId().toXDR('hex');
          out.push(this.transfer(op.asset, account(source), { balanceId }, op.amount));
          break;
        }
        case 'claim_claimable_balance': {
          const claimed = opFacts(i).claimed;
          // The claimant is the operation's source, muxed or not.
          const claimant = account(op.source ?? tx.source);
          if (claimed)
            out.push(
              this.transfer(claimed.asset, { balanceId: op.balanceId }, claimant, claimed.amount, memo),
            );
          break;
        }
        case 'clawback_claimable_balance': {
          const claimed = opFacts(i).claimed;
          if (claimed)
            out.push(
              this.event(
                claimed.asset,
                [sym('clawback'), partyAddress({ balanceId: op.balanceId }), assetString(claimed.asset)],
                i128(claimed.amount),
              ),
            );
          break;
        }
        case 'allow_trust':
        case 'set_trust_line_flags': {
          const asset: Asset =
            op.type === 'set_trust_line_flags'
              ? op.asset
              : {
                  type: op.assetCode.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
                  code: op.assetCode,
                  issuer: source,
                };
          const authorized = opFacts(i).authorizedAfter ?? false;
          out.push(
            this.event(
              asset,
              [sym('set_authorized'), address(op.trustor), assetString(asset)],
              xdr.ScVal.scvBool(authorized),
            ),
          );
          break;
        }
        case 'invoke_host_function':
          // The SAC's own events: a muxed `to` becomes {amount, to_muxed_id}; Soroban has no memo here.
          for (const c of opFacts(i).balanceChanges ?? []) {
            const asset: Asset =
              c.asset_type === 'native'
                ? { type: 'native' }
                : {
                    type: c.asset_type as 'credit_alphanum4' | 'credit_alphanum12',
                    code: c.asset_code!,
                    issuer: c.asset_issuer!,
                  };
            const issuer = asset.type === 'native' ? '' : asset.issuer;
            const to: AccountRef = {
              account: c.to ?? issuer,
              ...(c.destination_muxed_id !== undefined ? { muxedId: c.destination_muxed_id } : {}),
            };
            out.push(
              this.transfer(asset, account(c.from ?? issuer), account(to), parseAmount(c.amount), {
                type: 'none',
              }),
            );
          }
          break;
        default:
          break;
      }
      return out;
    });
    return { transaction, operations };
  }

  /** The SAC contract id of an asset (raw 32 bytes), computed once per asset. */
  contractId(asset: Asset): Buffer {
    const key = asset.type === 'native' ? 'native' : `${asset.code}:${asset.issuer}`;
    let id = this.contractIds.get(key);
    if (!id) {
      const sdkAsset = asset.type === 'native' ? SdkAsset.native() : new SdkAsset(asset.code, asset.issuer);
      id = StrKey.decodeContract(sdkAsset.contractId(this.networkPassphrase));
      this.contractIds.set(key, id);
    }
    return id;
  }

  /**
   * Both sides of every trade, in the order of the result's claim atoms (eventsForClaimAtoms):
   * what the offer bought, source → seller, then what it sold, seller → source; no memo.
   */
  private claimAtoms(source: string, atoms: xdr.ClaimAtom[]): xdr.ContractEvent[] {
    return atoms.flatMap((atom) => {
      const a = atom.orderBook();
      const seller = account(gAddress(a.sellerId().ed25519()));
      return [
        this.transfer(decodeAsset(a.assetBought()), account(source), seller, toBig(a.amountBought())),
        this.transfer(decodeAsset(a.assetSold()), seller, account(source), toBig(a.amountSold())),
      ];
    });
  }

  /**
   * transfer, or mint / burn when the issuer is on exactly one side
   * (eventForTransferWithIssuerCheck). `memo` only where core allows the muxed id or memo.
   */
  private transfer(asset: Asset, from: Party, to: Party, amount: bigint, memo?: Memo): xdr.ContractEvent {
    const issuer = asset.type === 'native' ? undefined : asset.issuer;
    const fromIssuer = 'account' in from && from.account === issuer;
    const toIssuer = 'account' in to && to.account === issuer;
    const name = assetString(asset);
    if (toIssuer && !fromIssuer)
      return this.event(asset, [sym('burn'), partyAddress(from), name], i128(amount));
    const data = muxedData(to, amount, memo);
    if (fromIssuer && !toIssuer) return this.event(asset, [sym('mint'), partyAddress(to), name], data);
    return this.event(asset, [sym('transfer'), partyAddress(from), partyAddress(to), name], data);
  }

  private event(asset: Asset, topics: xdr.ScVal[], data: xdr.ScVal): xdr.ContractEvent {
    return new xdr.ContractEvent({
      ext: new xdr.ExtensionPoint(0),
      contractId: this.contractId(asset) as unknown as xdr.ContractId,
      type: xdr.ContractEventType.contract(),
      body: new xdr.ContractEventBody(0, new xdr.ContractEventV0({ topics, data })),
    });
  }
}

/** The operation results of a transaction that succeeded, or null (failed transactions emit no op events). */
function innerResults(result: xdr.TransactionResult): xdr.OperationResult[] | null {
  const r = result.result();
  switch (r.switch().name) {
    case 'txSuccess':
      return r.results();
    case 'txFeeBumpInnerSuccess':
      return r.innerResultPair().result().result().results();
    default:
      return null;
  }
}

/**
 * `amount`, or `{amount, to_muxed_id}` for a muxed destination or a transaction memo
 * (getPossibleMuxedData); a claimable balance destination never carries either.
 */
function muxedData(to: Party, amount: bigint, memo: Memo | undefined): xdr.ScVal {
  if (!('account' in to)) return i128(amount);
  let id: xdr.ScVal | undefined;
  if (to.muxedId !== undefined) id = xdr.ScVal.scvU64(xdr.Uint64.fromString(to.muxedId));
  else if (memo?.type === 'id') id = xdr.ScVal.scvU64(xdr.Uint64.fromString(memo.value));
  else if (memo?.type === 'text') id = xdr.ScVal.scvString(memo.bytes);
  else if (memo?.type === 'hash' || memo?.type === 'return') id = xdr.ScVal.scvBytes(memo.bytes);
  if (!id) return i128(amount);
  return xdr.ScVal.scvMap([
    new xdr.ScMapEntry({ key: sym('amount'), val: i128(amount) }),
    new xdr.ScMapEntry({ key: sym('to_muxed_id'), val: id }),
  ]);
}

function sym(s: string): xdr.ScVal {
  return xdr.ScVal.scvSymbol(s);
}

// Decoding a G address (base32 + checksum) dominates event building; accounts recur constantly.
const addresses = new Map<string, xdr.ScVal>();

function address(g: string): xdr.ScVal {
  let v = addresses.get(g);
  if (!v) {
    v = new Address(g).toScVal();
    if (addresses.size >= 100_000) addresses.clear();
    addresses.set(g, v);
  }
  return v;
}

/** An account's address, or a claimable balance's (Horizon's hex id = the XDR ClaimableBalanceID). */
function partyAddress(p: Party): xdr.ScVal {
  if ('account' in p) return address(p.account);
  const id = xdr.ClaimableBalanceId.fromXDR(p.balanceId, 'hex');
  return xdr.ScVal.scvAddress(xdr.ScAddress.scAddressTypeClaimableBalance(id));
}

function i128(v: bigint): xdr.ScVal {
  return nativeToScVal(v, { type: 'i128' });
}

/** SEP-11 asset string: `native` or `CODE:ISSUER`. */
function assetString(asset: Asset): xdr.ScVal {
  return xdr.ScVal.scvString(asset.type === 'native' ? 'native' : `${asset.code}:${asset.issuer}`);
}

function toBig(v: xdr.Int64): bigint {
  return BigInt(v.toString());
}
