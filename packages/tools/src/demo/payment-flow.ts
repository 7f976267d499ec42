// The steps of the user's flow, each a small function over a running
// two-bank stack, so the demo narrates them and the end-to-end tests assert on
// the very same calls.
import { FederationClient, StellarTomlResolver, type FederationRecord } from '@anchor/protocol';
import { createHttpClient } from '@anchor/support';
import type { RunningBank, RunningStack } from './two-bank-stack.js';

/** What the flow needs of a bank: its services' URLs and its bridge API key (the demo's
 * RunningBank, or a compose stack's service names). */
export interface BankEndpoints {
  plan: { apiKey: string };
  urls: Pick<RunningBank['urls'], 'bridge' | 'complianceInternal' | 'callbacks'>;
}

export interface BridgeAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** How bank A's own code reaches other banks' public endpoints (nginx, dev CA, host map). */
export function publicClients(stack: RunningStack) {
  const http = createHttpClient({
    timeoutMs: 10_000,
    hostMap: stack.front.hostMap,
    extraCaFile: stack.front.caFile,
  });
  const allowHttp = stack.front.scheme === 'http';
  const tomlResolver = new StellarTomlResolver({ http, allowHttp, timeoutMs: 10_000 });
  return {
    http,
    tomlResolver,
    federation: new FederationClient({ http, tomlResolver, allowHttp, timeoutMs: 10_000 }),
  };
}

export function lookUp(stack: RunningStack, address: string): Promise<FederationRecord> {
  return publicClients(stack).federation.resolveAddress(address);
}

/** The demo's payment: a1*bank-a.test pays 25 USD of `usdIssuer` to b1*bank-b.test, with compliance. */
export function demoPayment(id: string, usdIssuer: string): Record<string, string> {
  return {
    id,
    amount: '25',
    asset_code: 'USD',
    asset_issuer: usdIssuer,
    sender: 'a1*bank-a.test',
    destination: 'b1*bank-b.test',
    use_compliance: 'true',
    extra_memo: 'Invoice 2026-117',
  };
}

/** The compliance /send form of a bridge payment form, paid from bank A's account `source`. */
export function sendForm(payment: Record<string, string>, source: string): Record<string, string> {
  const { use_compliance: _, ...form } = payment;
  return { ...form, source };
}

/** POST bank's bridge /payment, as the bank's backend does (API key in the header). */
export async function pay(bank: BankEndpoints, form: Record<string, string>): Promise<BridgeAnswer> {
  const res = await fetch(`${bank.urls.bridge}/payment`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': bank.plan.apiKey },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** POST bank's compliance /send (internal port): what bank A learns about the receiver. */
export async function complianceSend(
  bank: BankEndpoints,
  form: Record<string, string>,
): Promise<BridgeAnswer> {
  const res = await fetch(`${bank.urls.complianceInternal}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls the bank's backend (callbacks tx_status) until the payment is delivered to the customer. */
export async function waitForDelivery(
  bank: BankEndpoints,
  hash: string,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status = 'unknown';
  while (Date.now() < deadline) {
    const res = await fetch(`${bank.urls.callbacks}/tx_status?id=${hash}`);
    status = ((await res.json()) as { status?: string }).status ?? 'unknown';
    if (status === 'delivered') return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`payment ${hash} not delivered within ${timeoutMs} ms (last status ${status})`);
}
