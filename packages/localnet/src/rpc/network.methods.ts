// Stellar RPC's ledger-level methods: getHealth, getNetwork, getVersionInfo, getLatestLedger,
// getFeeStats, getLedgers and getLedgerEntries, with RPC 23's shapes and messages.
import { percentiles } from '../fee-stats.js';
import { xdr } from '@stellar/stellar-sdk';
import { PROTOCOL_VERSION } from '../ledger-closer.js';
import { lookupEntry } from './ledger-entries.js';
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  RpcError,
  array,
  checkFormat,
  ledgerPage,
  type Params,
} from './rpc-params.js';
import type { RpcContext } from './rpc-context.js';
import { headerEntry, ledgerCloseMeta } from './rpc-ledger-store.js';

const MAX_HEALTHY_LEDGER_LATENCY_S = 30;
/** RPC's max- and default- limits. */
const LIMITS = { max: 200, default: 50 };
const MAX_LEDGER_ENTRY_KEYS = 200;
const CLASSIC_FEE_WINDOW = 10;
const SOROBAN_FEE_WINDOW = 50;

export function getHealth(ctx: RpcContext): unknown {
  const { latest, oldest } = ctx.store;
  const latency = Math.floor(Date.now() / 1000) - latest.closeTime;
  if (latency > MAX_HEALTHY_LEDGER_LATENCY_S) {
    throw new RpcError(
      INTERNAL_ERROR,
      `latency (${latency}s) since last known ledger closed is too high (>${MAX_HEALTHY_LEDGER_LATENCY_S}s)`,
    );
  }
  return {
    status: 'healthy',
    latestLedger: latest.sequence,
    latestLedgerCloseTime: latest.closeTime,
    oldestLedger: oldest.sequence,
    oldestLedgerCloseTime: oldest.closeTime,
    ledgerRetentionWindow: ctx.store.retentionWindow,
  };
}

export function getNetwork(ctx: RpcContext): unknown {
  return {
    friendbotUrl: ctx.friendbotUrl,
    passphrase: ctx.networkPassphrase,
    protocolVersion: PROTOCOL_VERSION,
  };
}

export function getVersionInfo(): unknown {
  return {
    version: `${PROTOCOL_VERSION}.0.0-localnet`,
    commitHash: '',
    buildTimestamp: '',
    captiveCoreVersion: 'localnet (no stellar-core)',
    protocolVersion: PROTOCOL_VERSION,
  };
}

export function getLatestLedger(ctx: RpcContext): unknown {
  const l = ctx.store.latest;
  return {
    id: l.hash,
    protocolVersion: PROTOCOL_VERSION,
    sequence: l.sequence,
    closeTime: String(l.closeTime),
    headerXdr: l.header.toXDR('base64'),
    metadataXdr: ledgerCloseMeta(l),
  };
}

/** Inclusion fee per operation (the bid: fee / operations) over the last ledgers, as RPC reports it. */
export function getFeeStats(ctx: RpcContext): unknown {
  const { ledgers } = ctx.store;
  const recent = ledgers.slice(-CLASSIC_FEE_WINDOW);
  const fees = recent.flatMap((l) => l.txs.map((t) => t.inclusionFeePerOp));
  return {
    sorobanInclusionFee: distribution([], Math.min(ledgers.length, SOROBAN_FEE_WINDOW)),
    inclusionFee: distribution(fees, recent.length),
    latestLedger: ctx.store.latest.sequence,
  };
}

function distribution(fees: bigint[], ledgerCount: number): Record<string, unknown> {
  return { ...percentiles(fees, 0n), transactionCount: String(fees.length), ledgerCount };
}

export function getLedgers(ctx: RpcContext, p: Params): unknown {
  const { latest, oldest } = ctx.store;
  const page = ledgerPage(p, ctx.store, LIMITS);
  let start = page.startLedger;
  if (page.cursor !== '') {
    const c = /^\d+$/.test(page.cursor) ? Number(page.cursor) : NaN;
    if (!Number.isSafeInteger(c) || c > 0xffffffff)
      throw new RpcError(INVALID_PARAMS, `strconv.ParseUint: parsing "${page.cursor}": invalid syntax`);
    start = c + 1;
    if (start < oldest.sequence || start > latest.sequence) {
      // RPC formats this message with the cursor as the format string; its text is what it is.
      throw new RpcError(
        INVALID_PARAMS,
        `${page.cursor}%!(EXTRA uint32=${oldest.sequence}, uint32=${latest.sequence})`,
      );
    }
  }
  const end = Math.min(start + page.limit - 1, latest.sequence);
  const ledgers = [];
  for (let seq = start; seq <= end; seq++) {
    const l = ctx.store.ledger(seq)!;
    ledgers.push({
      hash: l.hash,
      sequence: l.sequence,
      ledgerCloseTime: String(l.closeTime),
      headerXdr: headerEntry(l).toXDR('base64'),
      metadataXdr: ledgerCloseMeta(l),
    });
  }
  const cursor = ledgers.length
    ? String(ledgers[ledgers.length - 1]!.sequence)
    : page.cursor || String(start - 1);
  return {
    ledgers,
    latestLedger: latest.sequence,
    latestLedgerCloseTime: latest.closeTime,
    oldestLedger: oldest.sequence,
    oldestLedgerCloseTime: oldest.closeTime,
    cursor,
  };
}

export function getLedgerEntries(ctx: RpcContext, p: Params): unknown {
  checkFormat(p);
  const keys = array(p, 'keys');
  if (keys.length > MAX_LEDGER_ENTRY_KEYS) {
    throw new RpcError(
      INVALID_PARAMS,
      `key count (${keys.length}) exceeds maximum supported (${MAX_LEDGER_ENTRY_KEYS})`,
    );
  }
  const decoded = keys.map((k, i) => {
    let key: xdr.LedgerKey;
    try {
      if (typeof k !== 'string') throw new Error('not a string');
      key = xdr.LedgerKey.fromXDR(k, 'base64');
    } catch {
      throw new RpcError(INVALID_PARAMS, `cannot unmarshal key value ${String(k)} at index ${i}`);
    }
    if (key.switch().name === 'ttl')
      throw new RpcError(INVALID_PARAMS, 'ledger ttl entries cannot be queried directly');
    return { text: k as string, key };
  });
  const entries = [];
  for (const { text, key } of decoded) {
    const found = lookupEntry(ctx.closer.state, key);
    if (!found) continue;
    entries.push({
      key: text,
      xdr: found.data.toXDR('base64'),
      lastModifiedLedgerSeq: found.lastModifiedLedgerSeq,
      extXdr: (found.ext ?? new xdr.LedgerEntryExt(0)).toXDR('base64'),
    });
  }
  return { entries, latestLedger: ctx.store.latest.sequence };
}
