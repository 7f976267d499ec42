// getLedgerEntries' view of localnet's state: a LedgerKey (account, trustline, data, offer or
// claimable balance; localnet holds no pools or contract state, so those keys are never found)
// mapped to the LedgerEntry stellar-core would store for it.
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { offerEntryXdr } from '../offer-appliers.js';
import { xdrAsset } from '../operation-appliers.js';
import { trustlineKey, type AccountEntry, type LedgerState } from '../ledger-state.js';

export interface FoundEntry {
  data: xdr.LedgerEntryData;
  lastModifiedLedgerSeq: number;
  /** The LedgerEntry extension (a claimable balance's sponsor); absent = v0. */
  ext?: xdr.LedgerEntryExt;
}

/** CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG (Stellar-ledger-entries.x). */
const CLAWBACK_ENABLED = 1;

export function lookupEntry(state: LedgerState, key: xdr.LedgerKey): FoundEntry | undefined {
  switch (key.switch().name) {
    case 'account': {
      const a = state.get(StrKey.encodeEd25519PublicKey(key.account().accountId().ed25519()));
      return (
        a && { data: xdr.LedgerEntryData.account(accountXdr(a)), lastModifiedLedgerSeq: a.lastModifiedLedger }
      );
    }
    case 'trustline': {
      const k = key.trustLine();
      const asset = k.asset();
      const arm = asset.switch().name;
      if (arm !== 'assetTypeCreditAlphanum4' && arm !== 'assetTypeCreditAlphanum12') return undefined;
      const credit = arm === 'assetTypeCreditAlphanum4' ? asset.alphaNum4() : asset.alphaNum12();
      const code = credit.assetCode().toString('latin1').replace(/\0+$/, '');
      const issuer = StrKey.encodeEd25519PublicKey(credit.issuer().ed25519());
      const owner = state.get(StrKey.encodeEd25519PublicKey(k.accountId().ed25519()));
      const tl = owner?.trustlines.get(trustlineKey(code, issuer));
      if (!owner || !tl) return undefined;
      const entry = new xdr.TrustLineEntry({
        accountId: k.accountId(),
        asset,
        balance: xdr.Int64.fromString(tl.balance.toString()),
        limit: xdr.Int64.fromString(tl.limit.toString()),
        flags: tl.flags,
        ext: new xdr.TrustLineEntryExt(0),
      });
      return { data: xdr.LedgerEntryData.trustline(entry), lastModifiedLedgerSeq: tl.lastModifiedLedger };
    }
    case 'data': {
      const k = key.data();
      const name = k.dataName().toString();
      const owner = state.get(StrKey.encodeEd25519PublicKey(k.accountId().ed25519()));
      const d = owner?.data.get(name);
      if (!d) return undefined;
      const entry = new xdr.DataEntry({
        accountId: k.accountId(),
        dataName: k.dataName(),
        dataValue: d.value,
        ext: new xdr.DataEntryExt(0),
      });
      return { data: xdr.LedgerEntryData.data(entry), lastModifiedLedgerSeq: d.lastModifiedLedger };
    }
    case 'offer': {
      const k = key.offer();
      const o = state.offer(BigInt(k.offerId().toString()));
      if (!o || o.seller !== StrKey.encodeEd25519PublicKey(k.sellerId().ed25519())) return undefined;
      return {
        data: xdr.LedgerEntryData.offer(offerEntryXdr(o)),
        lastModifiedLedgerSeq: o.lastModifiedLedger,
      };
    }
    case 'claimableBalance': {
      const id = key.claimableBalance().balanceId();
      const b = state.claimableBalances.get(id.toXDR('hex'));
      if (!b) return undefined;
      const entry = new xdr.ClaimableBalanceEntry({
        balanceId: id,
        claimants: b.claimants.map((c) =>
          xdr.Claimant.claimantTypeV0(
            new xdr.ClaimantV0({ destination: publicKey(c.destination), predicate: c.predicate }),
          ),
        ),
        asset: xdrAsset(b.asset),
        amount: xdr.Int64.fromString(b.amount.toString()),
        // Core sets the v1 extension only to carry flags.
        ext: b.clawbackEnabled
          ? new xdr.ClaimableBalanceEntryExt(
              1,
              new xdr.ClaimableBalanceEntryExtensionV1({
                ext: new xdr.ClaimableBalanceEntryExtensionV1Ext(0),
                flags: CLAWBACK_ENABLED,
              }),
            )
          : new xdr.ClaimableBalanceEntryExt(0),
      });
      // A claimable balance is always sponsored (by its creator): LedgerEntryExtensionV1.sponsoringId.
      const ext = new xdr.LedgerEntryExt(
        1,
        new xdr.LedgerEntryExtensionV1({
          sponsoringId: publicKey(b.sponsor),
          ext: new xdr.LedgerEntryExtensionV1Ext(0),
        }),
      );
      return {
        data: xdr.LedgerEntryData.claimableBalance(entry),
        lastModifiedLedgerSeq: b.lastModifiedLedger,
        ext,
      };
    }
    default:
      return undefined;
  }
}

function publicKey(g: string): xdr.PublicKey {
  return xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(g));
}

function accountXdr(a: AccountEntry): xdr.AccountEntry {
  const signers = a.signers
    .map((s) => new xdr.Signer({ key: signerKey(s.key), weight: s.weight }))
    // stellar-core keeps signers sorted by key.
    .sort((x, y) => Buffer.compare(x.key().toXDR(), y.key().toXDR()));
  return new xdr.AccountEntry({
    accountId: xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(a.id)),
    balance: xdr.Int64.fromString(a.balance.toString()),
    seqNum: xdr.Int64.fromString(a.seqNum.toString()),
    numSubEntries: a.numSubEntries,
    inflationDest: a.inflationDest
      ? xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(a.inflationDest))
      : null,
    flags: a.flags,
    homeDomain: a.homeDomain,
    thresholds: Buffer.from([a.masterWeight, a.lowThreshold, a.medThreshold, a.highThreshold]),
    signers,
    ext: new xdr.AccountEntryExt(0),
  });
}

function signerKey(key: string): xdr.SignerKey {
  if (key.startsWith('G')) return xdr.SignerKey.signerKeyTypeEd25519(StrKey.decodeEd25519PublicKey(key));
  if (key.startsWith('T')) return xdr.SignerKey.signerKeyTypePreAuthTx(StrKey.decodePreAuthTx(key));
  return xdr.SignerKey.signerKeyTypeHashX(StrKey.decodeSha256Hash(key));
}
