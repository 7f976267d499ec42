// The operator console under /console: sign-in with the operator password, a
// signed HttpOnly SameSite=Strict session cookie, and a per-session CSRF token
// checked on every POST (the sign-in form uses a signed double-submit cookie).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import cookieParser from 'cookie-parser';
import {
  approvalsPage,
  customersPage,
  paymentsPage,
  rejectedPage,
  sanctionsPage,
  signInPage,
  unpaidAuthPage,
  type Chrome,
} from '../console/pages.js';
import type { ApprovalsService } from '../services/approvals.service.js';
import { parseCustomerInput } from '../services/customer-input.js';
import { CustomerRejectedError, type CustomersService } from '../services/customers.service.js';
import type { UnpaidAuthClient } from '../clients/unpaid-auth.client.js';
import type { PaymentsStore } from '../stores/payments.store.js';
import { OperatorService, SESSION_TTL_MS, sameToken } from '../services/operator.service.js';
import type { SanctionsService } from '../services/sanctions.service.js';
import type { OperatorSession } from '../stores/sessions.store.js';

export interface ConsoleDeps {
  operator: OperatorService;
  customers: CustomersService;
  approvals: ApprovalsService;
  sanctions: SanctionsService;
  payments: PaymentsStore;
  sessionSecret: string;
  domain: string;
  receivingAccountId: string;
  sanctionsListSize: number;
  sanctionsListFile: string;
  /** Compliance's unpaid authorizations; the page says how to configure it when absent. */
  unpaidAuth?: Pick<UnpaidAuthClient, 'summary'>;
}

const SESSION_COOKIE = 'cb_session';
const LOGIN_COOKIE = 'cb_login';
const CSS = readFileSync(new URL('../console/console.css', import.meta.url), 'utf8');

/** Notices shown after a redirect; the query names one, never carries text. */
const NOTICES: Record<string, Chrome['notice']> = {
  created: { kind: 'ok', text: 'Customer created.' },
  approved: { kind: 'ok', text: 'Request approved: the next retry of the sending bank gets its answer.' },
  denied: { kind: 'ok', text: 'Request denied: the next retry of the sending bank is refused.' },
  cleared: { kind: 'ok', text: 'Hit cleared: the sender may be paid.' },
  confirmed: { kind: 'ok', text: 'Match confirmed: payments from this sender are refused.' },
  stale: { kind: 'bad', text: 'That item was already decided.' },
};

const FORM_FIELDS = [
  'first_name',
  'middle_name',
  'last_name',
  'date_of_birth',
  'email',
  'phone',
  'address',
  'city',
  'province',
  'postal_code',
  'country',
  'name',
  'domain',
  'route',
  'account_id',
  'disclosure',
  'allowed_senders',
];

type Locals = { session: OperatorSession; token: string };

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

function formValue(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function cookieOptions(req: Request, maxAge: number) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    signed: true,
    secure: req.secure,
    path: '/console',
    maxAge,
  };
}

export function consoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  router.use(securityHeaders);
  router.use(cookieParser(deps.sessionSecret));

  router.get('/static/console.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('text/css').send(CSS);
  });

  const showSignIn = (req: Request, res: Response, status: number, error?: string) => {
    const token = randomBytes(24).toString('base64url');
    res.cookie(LOGIN_COOKIE, token, cookieOptions(req, 30 * 60 * 1000));
    res.status(status).type('html').send(signInPage(token, error));
  };

  router.get('/login', async (req, res) => {
    const session = await deps.operator.session(req.signedCookies?.[SESSION_COOKIE] as string | undefined);
    if (session) return res.redirect(303, '/console/customers');
    showSignIn(req, res, 200);
  });

  router.post('/login', async (req, res) => {
    const expected = req.signedCookies?.[LOGIN_COOKIE];
    if (typeof expected !== 'string' || !sameToken(formValue(req, 'csrf'), expected))
      return showSignIn(req, res, 403, 'Your sign-in form expired. Please try again.');
    const client = req.ip ?? 'unknown';
    const waitMs = deps.operator.retryAfterMs(client);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      return showSignIn(req, res, 429, 'Too many failed attempts. Wait a little and try again.');
    }
    const token = await deps.operator.signIn(formValue(req, 'password'), client);
    if (!token) return showSignIn(req, res, 401, 'Wrong password.');
    res.clearCookie(LOGIN_COOKIE, { path: '/console' });
    res.cookie(SESSION_COOKIE, token, cookieOptions(req, SESSION_TTL_MS));
    res.redirect(303, '/console/customers');
  });

  // Everything below needs a session; every POST below needs its CSRF token.
  router.use(async (req, res, next) => {
    const token = req.signedCookies?.[SESSION_COOKIE] as string | undefined;
    const session = await deps.operator.session(token);
    if (!session || !token) {
      if (req.method === 'GET') return res.redirect(303, '/console/login');
      return res.status(401).type('text').send('Sign in first.');
    }
    if (req.method === 'POST' && !sameToken(formValue(req, 'csrf'), session.csrf_token)) {
      return res.status(403).type('text').send('Invalid CSRF token. Reload the page and try again.');
    }
    (res.locals as Locals).session = session;
    (res.locals as Locals).token = token;
    next();
  });

  const chrome = async (res: Response, notice?: string): Promise<Chrome> => ({
    domain: deps.domain,
    csrf: (res.locals as Locals).session.csrf_token,
    pendingApprovals: await deps.approvals.countPending(),
    pendingHits: await deps.sanctions.countPending(),
    notice: notice ? NOTICES[notice] : undefined,
  });
  const noticeOf = (req: Request) => (typeof req.query.notice === 'string' ? req.query.notice : undefined);
  const defaults = { domain: deps.domain, account_id: deps.receivingAccountId };

  router.get('/', (_req, res) => res.redirect(303, '/console/customers'));

  router.post('/logout', async (req, res) => {
    await deps.operator.signOut((res.locals as Locals).token);
    res.clearCookie(SESSION_COOKIE, { path: '/console' });
    res.redirect(303, '/console/login');
  });

  router.get('/customers', async (req, res) => {
    res.type('html').send(
      customersPage(await chrome(res, noticeOf(req)), {
        customers: await deps.customers.list(),
        values: { disclosure: 'public' },
        errors: {},
        defaults,
      }),
    );
  });

  router.post('/customers', async (req, res) => {
    const values: Record<string, string> = {};
    for (const name of FORM_FIELDS) values[name] = formValue(req, name);
    const parsed = parseCustomerInput(values);
    let errors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      try {
        await deps.customers.create(parsed.value);
        return res.redirect(303, '/console/customers?notice=created');
      } catch (err) {
        if (!(err instanceof CustomerRejectedError)) throw err;
        errors = err.fieldErrors;
      }
    }
    res
      .status(400)
      .type('html')
      .send(
        customersPage(await chrome(res), {
          customers: await deps.customers.list(),
          values,
          errors,
          defaults,
        }),
      );
  });

  router.get('/payments', async (req, res) => {
    res
      .type('html')
      .send(paymentsPage(await chrome(res, noticeOf(req)), await deps.payments.listIncoming(200)));
  });

  router.get('/rejected', async (req, res) => {
    res
      .type('html')
      .send(rejectedPage(await chrome(res, noticeOf(req)), await deps.payments.listRejected(200)));
  });

  router.get('/approvals', async (req, res) => {
    res
      .type('html')
      .send(
        approvalsPage(
          await chrome(res, noticeOf(req)),
          await deps.approvals.pending(),
          await deps.approvals.decided(),
        ),
      );
  });

  router.post('/approvals/:id/:decision', async (req, res) => {
    const id = Number(req.params.id);
    const decision =
      req.params.decision === 'approve' ? 'approved' : req.params.decision === 'deny' ? 'denied' : '';
    if (!Number.isSafeInteger(id) || id <= 0 || !decision)
      return res.status(404).type('text').send('Not found.');
    const changed = await deps.approvals.decide(id, decision);
    res.redirect(303, `/console/approvals?notice=${changed ? decision : 'stale'}`);
  });

  router.get('/unpaid', async (req, res) => {
    let view: Parameters<typeof unpaidAuthPage>[1] = { state: 'not_configured' };
    if (deps.unpaidAuth) {
      try {
        view = { state: 'ok', summary: await deps.unpaidAuth.summary() };
      } catch (err) {
        view = { state: 'failed', reason: (err as Error).message };
      }
    }
    res.type('html').send(unpaidAuthPage(await chrome(res, noticeOf(req)), view));
  });

  router.get('/sanctions', async (req, res) => {
    res
      .type('html')
      .send(
        sanctionsPage(
          await chrome(res, noticeOf(req)),
          await deps.sanctions.list(),
          deps.sanctionsListSize,
          deps.sanctionsListFile,
        ),
      );
  });

  router.post('/sanctions/:id/:decision', async (req, res) => {
    const id = Number(req.params.id);
    const decision =
      req.params.decision === 'clear' ? 'cleared' : req.params.decision === 'confirm' ? 'confirmed' : '';
    if (!Number.isSafeInteger(id) || id <= 0 || !decision)
      return res.status(404).type('text').send('Not found.');
    const changed = await deps.sanctions.decide(id, decision);
    res.redirect(303, `/console/sanctions?notice=${changed ? decision : 'stale'}`);
  });

  return router;
}
