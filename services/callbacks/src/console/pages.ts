// Server-rendered pages of the operator console. Every value goes through the
// escaping `html` template; there is no client-side script at all.
import type { FieldErrors } from '../services/customer-input.js';
import type { ApprovalRequest, SanctionsHit } from '../stores/approvals.store.js';
import type { CustomerWithDetails } from '../stores/customers.store.js';
import type { IncomingPayment, RejectedPayment } from '../stores/payments.store.js';
import type { UnpaidAuthSummary } from '../clients/unpaid-auth.client.js';
import { html, type SafeHtml } from './html.js';

export type Section = 'customers' | 'payments' | 'approvals' | 'sanctions' | 'rejected' | 'unpaid';

export interface Chrome {
  domain: string;
  csrf: string;
  pendingApprovals: number;
  pendingHits: number;
  notice?: { kind: 'ok' | 'bad'; text: string };
}

/** What an empty value shows as. */
const NONE = html`<span class="muted">—</span>`;

function when(iso: string | null | undefined): SafeHtml {
  if (!iso) return NONE;
  const shown = iso.replace('T', ' ').slice(0, 16);
  return html`<time datetime="${iso}" class="nowrap" title="${iso}"
    >${shown} <span class="muted small">UTC</span></time
  >`;
}

function short(value: string, keep = 6): SafeHtml {
  if (!value) return NONE;
  if (value.length <= keep * 2 + 1) return html`<span class="mono">${value}</span>`;
  return html`<span class="mono" title="${value}">${value.slice(0, keep)}…${value.slice(-keep)}</span>`;
}

function money(amount: string, code: string): SafeHtml {
  // 7 stored decimals, shown with at least 2: 12.5000000 → 12.50, 0.1234500 → 0.12345.
  const match = /^(\d+)(?:\.(\d*))?$/.exec(amount);
  const trimmed = match ? `${match[1]}.${(match[2] ?? '').replace(/0+$/, '').padEnd(2, '0')}` : amount;
  return html`${trimmed} <span class="muted">${code || 'XLM'}</span>`;
}

function document(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Callbacks console</title>
        <link rel="stylesheet" href="/console/static/console.css" />
      </head>
      <body>
        ${body}
      </body>
    </html> `.value;
}

function layout(section: Section, title: string, chrome: Chrome, content: SafeHtml): string {
  const link = (target: Section, label: string, count = 0) =>
    html`<a href="/console/${target}" class="${section === target ? 'active' : ''}"
      >${label}${count > 0 ? html`<span class="count">${count}</span>` : ''}</a
    >`;
  return document(
    title,
    html`<header class="topbar">
        <div class="brand">Callbacks console<small>${chrome.domain}</small></div>
        <nav class="nav">
          ${link('customers', 'Customers')} ${link('payments', 'Incoming payments')}
          ${link('approvals', 'Approvals', chrome.pendingApprovals)}
          ${link('sanctions', 'Sanctions hits', chrome.pendingHits)} ${link('rejected', 'Rejected payments')}
          ${link('unpaid', 'Unpaid authorizations')}
        </nav>
        <form method="post" action="/console/logout">
          <input type="hidden" name="csrf" value="${chrome.csrf}" />
          <button type="submit" class="link-button">Sign out</button>
        </form>
      </header>
      <main>
        ${chrome.notice ? html`<div class="notice ${chrome.notice.kind}" role="status">${chrome.notice.text}</div>` : ''}
        ${content}
      </main>`,
  );
}

export function signInPage(csrf: string, error?: string): string {
  return document(
    'Sign in',
    html`<div class="signin">
      <form class="card stacked" method="post" action="/console/login">
        <div class="mark">CB</div>
        <h1>Operator sign-in</h1>
        <p class="subtitle">Callbacks console of the bank backend.</p>
        <input type="hidden" name="csrf" value="${csrf}" />
        <div class="field ${error ? 'invalid' : ''}">
          <label for="password">Operator password</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="current-password"
            required
            autofocus
          />
          ${error ? html`<div class="field-error" id="password-error">${error}</div>` : ''}
        </div>
        <button type="submit">Sign in</button>
      </form>
    </div>`,
  );
}

interface FieldSpec {
  name: keyof FieldErrors;
  label: string;
  type?: 'text' | 'email' | 'date';
  required?: boolean;
  hint?: string;
  placeholder?: string;
}

function field(spec: FieldSpec, values: Record<string, string>, errors: FieldErrors): SafeHtml {
  const error = errors[spec.name];
  const id = `f-${spec.name}`;
  return html`<div class="field ${error ? 'invalid' : ''}">
    <label for="${id}">${spec.label}${spec.required ? html`<span class="required">*</span>` : ''}</label>
    <input
      type="${spec.type ?? 'text'}"
      id="${id}"
      name="${spec.name}"
      value="${values[spec.name] ?? ''}"
      placeholder="${spec.placeholder ?? ''}"
      ${error ? html`aria-invalid="true" aria-describedby="${id}-error"` : ''}
    />
    ${error ? html`<div class="field-error" id="${id}-error">${error}</div>` : ''}
    ${spec.hint && !error ? html`<div class="hint">${spec.hint}</div>` : ''}
  </div>`;
}

export interface CustomersView {
  customers: CustomerWithDetails[];
  values: Record<string, string>;
  errors: FieldErrors;
  defaults: { domain: string; account_id: string };
}

export function customersPage(chrome: Chrome, view: CustomersView): string {
  const { values, errors } = view;
  const f = (spec: FieldSpec) => field(spec, values, errors);
  const disclosureError = errors.disclosure;
  const allowedError = errors.allowed_senders;
  const rows = view.customers.map(
    (c) =>
      html`<tr>
        <td>
          <strong>${c.first_name} ${c.middle_name ? `${c.middle_name} ` : ''}${c.last_name}</strong>
          <div class="muted small">${c.email}</div>
        </td>
        <td class="mono nowrap">${c.name}*${c.domain}</td>
        <td class="mono">${c.route}</td>
        <td>
          ${
            c.disclosure === 'public'
              ? html`<span class="badge neutral">public</span>`
              : html`<span class="badge warn">allowed only</span>${
                    c.allowed.length
                      ? c.allowed.map(
                          (a) =>
                            html`<div class="muted small nowrap">
                              ${a.user_name ? `${a.user_name}*${a.fi_domain}` : a.fi_domain}
                            </div>`,
                        )
                      : ''
                  }`
          }
        </td>
        <td class="num">
          ${
            c.balances.length
              ? c.balances.map((b) => html`<div>${money(b.balance, b.asset_code)}</div>`)
              : NONE
          }
        </td>
        <td>${c.city}, ${c.country}</td>
      </tr>`,
  );
  return layout(
    'customers',
    'Customers',
    chrome,
    html`<h1>Customers</h1>
      <p class="subtitle">
        Every customer is resolvable by federation as <span class="mono">name*domain</span> at once; payments
        reach them by their route (an id memo).
      </p>
      <div class="grid-2">
        <section class="panel flush">
          <h2>${view.customers.length} customer${view.customers.length === 1 ? '' : 's'}</h2>
          ${listTable('customers-table', ['Customer', 'Stellar address', 'Route', 'Disclosure', num('Balance'), 'Location'], rows, 'No customers yet. Create the first one with the form.')}
        </section>
        <section class="panel">
          <h2>New customer</h2>
          ${
            Object.keys(errors).length
              ? html`<div class="notice bad" role="alert">
                  The customer was not created: correct the marked fields.
                </div>`
              : ''
          }
          <form class="stacked" method="post" action="/console/customers" novalidate>
            <input type="hidden" name="csrf" value="${chrome.csrf}" />
            <fieldset>
              <legend>Identity</legend>
              <div class="row three">
                ${f({ name: 'first_name', label: 'First name', required: true })}
                ${f({ name: 'middle_name', label: 'Middle name' })}
                ${f({ name: 'last_name', label: 'Last name', required: true })}
              </div>
              <div class="row">
                ${f({ name: 'date_of_birth', label: 'Date of birth', required: true, placeholder: 'YYYY-MM-DD' })}
                ${f({ name: 'email', label: 'Email', type: 'email', required: true })}
              </div>
              ${f({ name: 'phone', label: 'Phone', placeholder: '+14155550100' })}
            </fieldset>
            <fieldset>
              <legend>Address</legend>
              ${f({ name: 'address', label: 'Street address', required: true })}
              <div class="row">
                ${f({ name: 'city', label: 'City', required: true })}
                ${f({ name: 'province', label: 'Province / state' })}
              </div>
              <div class="row">
                ${f({ name: 'postal_code', label: 'Postal code' })}
                ${f({ name: 'country', label: 'Country', required: true, placeholder: 'US', hint: 'Two-letter ISO code' })}
              </div>
            </fieldset>
            <fieldset>
              <legend>Federation and routing</legend>
              <div class="row">
                ${f({ name: 'name', label: 'Federation name', required: true, placeholder: 'alice', hint: 'The part before * in the stellar address' })}
                ${f({ name: 'domain', label: 'Domain', placeholder: view.defaults.domain, hint: 'Blank: the bank’s domain' })}
              </div>
              <div class="row">
                ${f({ name: 'route', label: 'Route', placeholder: 'automatic', hint: 'Blank: a new number' })}
                ${f({ name: 'account_id', label: 'Receiving account', placeholder: 'G… (bank default)', hint: 'Blank: the bank’s receiving account' })}
              </div>
            </fieldset>
            <fieldset>
              <legend>Disclosure to other banks</legend>
              <div class="field ${disclosureError ? 'invalid' : ''}">
                <label for="f-disclosure">Share details with</label>
                <select id="f-disclosure" name="disclosure">
                  <option value="public" ${values.disclosure !== 'allowed_only' ? 'selected' : ''}>
                    Any sending bank (public)
                  </option>
                  <option value="allowed_only" ${values.disclosure === 'allowed_only' ? 'selected' : ''}>
                    Allowed senders only; ask otherwise
                  </option>
                </select>
                ${disclosureError ? html`<div class="field-error">${disclosureError}</div>` : ''}
              </div>
              <div class="field ${allowedError ? 'invalid' : ''}">
                <label for="f-allowed_senders">Allowed senders</label>
                <textarea
                  id="f-allowed_senders"
                  name="allowed_senders"
                  placeholder="bank-a.test&#10;alice*bank-c.test"
                >
${values.allowed_senders ?? ''}</textarea>
                ${
                  allowedError
                    ? html`<div class="field-error" id="f-allowed_senders-error">${allowedError}</div>`
                    : html`<div class="hint">One institution domain or user address per line.</div>`
                }
              </div>
            </fieldset>
            <button type="submit">Create customer</button>
          </form>
        </section>
      </div>`,
  );
}

export function paymentsPage(chrome: Chrome, payments: IncomingPayment[]): string {
  const credited = payments.filter((p) => p.status === 'credited').length;
  const unrouted = payments.length - credited;
  const rows = payments.map(
    (p) =>
      html`<tr>
        <td>${when(p.received_at)}</td>
        <td class="mono">${p.payment_id}</td>
        <td>
          ${
            p.customer_name
              ? html`<span class="mono">${p.customer_name}</span>`
              : p.route
                ? html`<span class="muted">route <span class="mono">${p.route}</span></span>`
                : html`<span class="muted">no route</span>`
          }
        </td>
        <td class="num">${money(p.amount, p.asset_code)}</td>
        <td>${short(p.from_account)}</td>
        <td>${short(p.transaction_id)}</td>
        <td>
          ${
            p.status === 'credited'
              ? html`<span class="badge ok">credited</span>`
              : html`<span class="badge warn" title="No customer has this route; the bridge keeps retrying"
                  >unknown route</span
                >`
          }
        </td>
        <td class="num">${p.deliveries}</td>
      </tr>`,
  );
  return layout(
    'payments',
    'Incoming payments',
    chrome,
    html`<h1>Incoming payments</h1>
      <p class="subtitle">
        Payments the bridge delivered. Each payment id is credited once, however often it is delivered.
      </p>
      <div class="stats">
        <div class="stat">
          <div class="label">Shown</div>
          <div class="value">${payments.length}</div>
        </div>
        <div class="stat">
          <div class="label">Credited</div>
          <div class="value">${credited}</div>
        </div>
        <div class="stat">
          <div class="label">Unknown route</div>
          <div class="value">${unrouted}</div>
        </div>
      </div>
      <section class="panel flush">
        ${listTable('payments-table', ['Received', 'Payment id', 'Customer', num('Amount'), 'From', 'Transaction', 'Status', num('Deliveries')], rows, 'No payments received yet.')}
      </section>`,
  );
}

/** A numeric column's header. */
function num(label: string): { label: string; num: true } {
  return { label, num: true };
}

/** A list's table (header row, then `rows`), or the `empty` message where there are no rows. */
function listTable(
  id: string,
  columns: (string | { label: string; num: true })[],
  rows: SafeHtml[],
  empty: string,
): SafeHtml {
  if (!rows.length) return html`<div class="empty">${empty}</div>`;
  return html`<table id="${id}">
    <thead>
      <tr>
        ${columns.map((c) => (typeof c === 'string' ? html`<th>${c}</th>` : html`<th class="num">${c.label}</th>`))}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/** A table cell with an amount and its asset, or a dash where the amount is not known. */
function amountCell(amount: string, code: string): SafeHtml {
  return html`<td class="num">${amount ? money(amount, code) : NONE}</td>`;
}

function decisionButtons(
  csrf: string,
  action: string,
  buttons: { value: string; label: string; kind: string }[],
): SafeHtml {
  return html`<div class="actions">
    ${buttons.map(
      (b) =>
        html`<form method="post" action="${action}/${b.value}">
          <input type="hidden" name="csrf" value="${csrf}" />
          <button type="submit" class="small ${b.kind}">${b.label}</button>
        </form>`,
    )}
  </div>`;
}

function senderCell(name: string, address: string): SafeHtml {
  return html`<strong>${name || 'unnamed sender'}</strong
    >${address ? html`<div class="muted small mono">${address}</div>` : ''}`;
}

export function approvalsPage(
  chrome: Chrome,
  pending: ApprovalRequest[],
  decided: ApprovalRequest[],
): string {
  const pendingRows = pending.map(
    (a) =>
      html`<tr data-approval-id="${a.id}">
        <td>${when(a.created_at)}</td>
        <td>
          <strong>${a.customer_full_name}</strong>
          <div class="muted small mono">${a.customer_name}</div>
        </td>
        <td>${senderCell(a.sender_name, a.sender_address)}</td>
        ${amountCell(a.amount, a.asset_code)}
        <td>${a.note ? html`<span class="truncate" title="${a.note}">${a.note}</span>` : NONE}</td>
        <td>
          ${decisionButtons(chrome.csrf, `/console/approvals/${a.id}`, [
            { value: 'approve', label: 'Approve', kind: 'approve' },
            { value: 'deny', label: 'Deny', kind: 'deny' },
          ])}
        </td>
      </tr>`,
  );
  const decidedRows = decided.map(
    (a) =>
      html`<tr>
        <td>${when(a.decided_at)}</td>
        <td><span class="mono">${a.customer_name}</span></td>
        <td>${senderCell(a.sender_name, a.sender_address)}</td>
        ${amountCell(a.amount, a.asset_code)}
        <td>
          ${a.status === 'approved' ? html`<span class="badge ok">approved</span>` : html`<span class="badge bad">denied</span>`}
        </td>
      </tr>`,
  );
  return layout(
    'approvals',
    'Approvals',
    chrome,
    html`<h1>Approval requests</h1>
      <p class="subtitle">
        Another bank asked for the details of a customer who shares them only with allowed senders. Decide on
        the customer’s behalf; the bank’s next retry gets the answer.
      </p>
      <section class="panel flush">
        <h2>Waiting for a decision</h2>
        ${listTable('pending-approvals', ['Asked', 'Customer', 'Sender', num('Amount'), 'Note', 'Decision'], pendingRows, 'Nothing is waiting for a decision.')}
      </section>
      <section class="panel flush">
        <h2>Recent decisions</h2>
        ${listTable('decided-approvals', ['Decided', 'Customer', 'Sender', num('Amount'), 'Decision'], decidedRows, 'No decisions yet.')}
      </section>`,
  );
}

export function sanctionsPage(
  chrome: Chrome,
  hits: SanctionsHit[],
  listSize: number,
  listFile: string,
): string {
  const rows = hits.map((h) => {
    const status =
      h.status === 'pending'
        ? html`<span class="badge warn">pending review</span>`
        : h.status === 'cleared'
          ? html`<span class="badge ok">cleared</span>`
          : html`<span class="badge bad">confirmed</span>`;
    const buttons =
      h.status === 'pending'
        ? decisionButtons(chrome.csrf, `/console/sanctions/${h.id}`, [
            { value: 'clear', label: 'Clear', kind: 'approve' },
            { value: 'confirm', label: 'Confirm match', kind: 'deny' },
          ])
        : h.status === 'confirmed'
          ? decisionButtons(chrome.csrf, `/console/sanctions/${h.id}`, [
              { value: 'clear', label: 'Clear (false positive)', kind: 'secondary' },
            ])
          : html`<span class="muted small">decided ${when(h.decided_at)}</span>`;
    return html`<tr data-hit-id="${h.id}">
      <td>${when(h.created_at)}</td>
      <td>
        <strong>${h.screened_name}</strong
        >${h.date_of_birth ? html`<div class="muted small">born ${h.date_of_birth}</div>` : ''}
      </td>
      <td>
        ${h.entry_name}
        <div class="muted small">entry ${h.entry_id}</div>
      </td>
      <td>
        ${h.kind === 'exact' ? html`<span class="badge bad">exact</span>` : html`<span class="badge warn">similar</span>`}
        <span class="muted small">${(h.score_permille / 10).toFixed(1)}%</span>
      </td>
      <td>${status}</td>
      <td>${buttons}</td>
    </tr>`;
  });
  return layout(
    'sanctions',
    'Sanctions hits',
    chrome,
    html`<h1>Sanctions screening</h1>
      <p class="subtitle">
        Senders whose name matched the sanctions list. Exact matches are refused at once; similar names wait
        for a decision. The list has ${listSize} names (<span class="mono nowrap">${listFile}</span>).
      </p>
      <section class="panel flush">
        ${listTable('sanctions-hits', ['First seen', 'Sender', 'Listed as', 'Match', 'Status', 'Decision'], rows, 'No sender has matched the list.')}
      </section>`,
  );
}

export function rejectedPage(chrome: Chrome, rejected: RejectedPayment[]): string {
  const rows = rejected.map(
    (r) =>
      html`<tr>
        <td>${when(r.received_at)}</td>
        <td class="mono">${r.payment_id}</td>
        ${amountCell(r.amount, r.asset_code)}
        <td>${short(r.from_account)}</td>
        <td>${r.route ? html`<span class="mono">${r.route}</span>` : NONE}</td>
        <td><span class="badge bad">rejected</span> ${r.reason}</td>
        <td class="num">${r.deliveries}</td>
      </tr>`,
  );
  return layout(
    'rejected',
    'Rejected payments',
    chrome,
    html`<h1>Rejected payments</h1>
      <p class="subtitle">
        Payments the bridge received but did not deliver (for example an asset the bank does not accept). The
        money is on the receiving account and needs a manual decision.
      </p>
      <section class="panel flush">
        ${listTable('rejected-table', ['Received', 'Payment id', num('Amount'), 'From', 'Route', 'Reason', num('Deliveries')], rows, 'No rejected payments.')}
      </section>`,
  );
}

/** What the unpaid authorizations page shows: compliance's summary, or why there is none. */
export type UnpaidAuthView =
  | { state: 'ok'; summary: UnpaidAuthSummary }
  | { state: 'failed'; reason: string }
  | { state: 'not_configured' };

export function unpaidAuthPage(chrome: Chrome, view: UnpaidAuthView): string {
  let content: SafeHtml;
  if (view.state === 'not_configured') {
    content = html`<p>
      Set <span class="mono">compliance_internal_url</span> in callbacks.cfg to see them here.
    </p>`;
  } else if (view.state === 'failed') {
    content = html`<div class="notice bad" role="status">
      The compliance server did not answer: ${view.reason}
    </div>`;
  } else {
    const rows = view.summary.sender_domains.map(
      (d) =>
        html`<tr>
          <td class="mono">${d.sender_domain}</td>
          <td class="num">${d.unpaid}</td>
        </tr>`,
    );
    content = html`<p>
        <strong id="unpaid-total">${view.summary.total}</strong> authorizations older than
        ${Math.round(view.summary.older_than_seconds / 60)} minutes that no payment followed.
      </p>
      <section class="panel flush">
        ${listTable('unpaid-table', ['Sender domain', num('Unpaid')], rows, 'None: every authorization was paid.')}
      </section>`;
  }
  return layout(
    'unpaid',
    'Unpaid authorizations',
    chrome,
    html`<h1>Unpaid authorizations</h1>
      <p class="subtitle">
        Banks that asked about our customers (and may have received their details) but never paid. A domain
        that keeps appearing here is harvesting: remove it from the allow lists or block it in front of nginx.
      </p>
      ${content}`,
  );
}
