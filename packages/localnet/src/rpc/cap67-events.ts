// CAP-67 unified asset events for the classic operations localnet applies, built the way
// stellar-core's OpEventManager builds them: a `fee` transaction event, and per operation
// `transfer` / `mint` / `burn` (issuer on one side) / `set_authorized`, each published under the
// asset's Stellar Asset Contract id, muxed destinations and memos carried as `to_muxed_id`.
import { Address, Asset as SdkAsset, StrKey, nativeToScVal, xdr } from '@stellar/stellar-sdk';
import { parseAmount } from '../amount.js';
import type { BalanceChange } from '../sac-transfer-appliers.js';
import type { AccountRef, Asset, Memo, ParsedTx } from '../xdr-decode.js';

/** What an operation did that the envelope alone does not say. */
export interface OpFacts {
  /** The trustline's AUTHORIZED flag after an allow_trust / set_trust_line_flags. */
  authorizedAfter?: boolean;
  /** What a dev-only SAC call moved (its Horizon `asset_balance_changes`). */
  balanceChanges?: BalanceChange[];
}

export interface TxEvents {
  /** Transaction-level events (the fee charged), stage BEFORE_ALL_TXS as in protocol 23. */
  transaction: xdr.TransactionEvent[];
  /** One list per operation; empty lists for a failed transaction. */
  operations: xdr.ContractEvent[][];
}

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
      switch (op.type) {
        case 'create_account':
          out.push(
            this.transfer(
              { type: 'native' },
              source,
              { account: op.destination },
              op.startingBalance,
              tx.memo,
            ),
          );
          break;
        case 'payment':
          out.push(this.transfer(op.asset, source, op.destination, op.amount, tx.memo));
          break;
        case 'path_payment_strict_receive':
          // localnet crosses no offers, so the only movement is the final one to the destination.
          out.push(this.transfer(op.destAsset, source, op.destination, op.destAmount, tx.memo));
          break;
        case 'path_payment_strict_send': {
          const received = toBig(inner.pathPaymentStrictSendResult().success().last().amount());
          out.push(this.transfer(op.destAsset, source, op.destination, received, tx.memo));
          break;
        }
        case 'account_merge': {
          const merged = toBig(inner.accountMergeResult().sourceAccountBalance());
          out.push(this.transfer({ type: 'native' }, source, op.destination, merged, tx.memo));
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
            out.push(this.transfer(asset, c.from ?? issuer, to, parseAmount(c.amount), { type: 'none' }));
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

  /** transfer, or mint / burn when the issuer is on exactly one side (eventForTransferWithIssuerCheck). */
  private transfer(
    asset: Asset,
    from: string,
    to: AccountRef,
    amount: bigint,
    memo: Memo,
  ): xdr.ContractEvent {
    const issuer = asset.type === 'native' ? undefined : asset.issuer;
    const fromIssuer = from === issuer;
    const toIssuer = to.account === issuer;
    const name = assetString(asset);
    if (toIssuer && !fromIssuer) return this.event(asset, [sym('burn'), address(from), name], i128(amount));
    const data = muxedData(to, amount, memo);
    if (fromIssuer && !toIssuer) return this.event(asset, [sym('mint'), address(to.account), name], data);
    return this.event(asset, [sym('transfer'), address(from), address(to.account), name], data);
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

/** `amount`, or `{amount, to_muxed_id}` for a muxed destination or a transaction memo (getPossibleMuxedData). */
function muxedData(to: AccountRef, amount: bigint, memo: Memo): xdr.ScVal {
  let id: xdr.ScVal | undefined;
  if (to.muxedId !== undefined) id = xdr.ScVal.scvU64(xdr.Uint64.fromString(to.muxedId));
  else if (memo.type === 'id') id = xdr.ScVal.scvU64(xdr.Uint64.fromString(memo.value));
  else if (memo.type === 'text') id = xdr.ScVal.scvString(memo.bytes);
  else if (memo.type === 'hash' || memo.type === 'return') id = xdr.ScVal.scvBytes(memo.bytes);
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
