// createApp(deps) → the express app (no listen; tests drive it with supertest).
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { createHttpClient, createServiceApp, trustProxySetting, type Logger } from '@anchor/support';
import { UnpaidAuthClient } from './clients/unpaid-auth.client.js';
import { mountRoutes } from './routes.js';
import { NameScreener, type ScreenableEntry } from './sanctions/matcher.js';
import { ApprovalsService } from './services/approvals.service.js';
import { CreditingService } from './services/crediting.service.js';
import { CustomersService } from './services/customers.service.js';
import { OperatorService } from './services/operator.service.js';
import { SanctionsService } from './services/sanctions.service.js';
import { SignInLimiter, type SignInLimits } from './services/sign-in-limiter.js';
import { KnexApprovalsStore, KnexSanctionsHitsStore } from './stores/approvals.store.js';
import { KnexCustomersStore } from './stores/customers.store.js';
import { KnexPaymentsStore, type PaymentsStore } from './stores/payments.store.js';
import { KnexSessionsStore } from './stores/sessions.store.js';
import type { ConsoleDeps } from './handlers/console.handler.js';

export const BODY_LIMIT = '100kb';

export interface AppDeps {
  logger: Logger;
  macKey: string;
  crediting: CreditingService;
  customers: CustomersService;
  approvals: ApprovalsService;
  sanctions: SanctionsService;
  operator: OperatorService;
  payments: PaymentsStore;
  console: Omit<ConsoleDeps, 'operator'>;
  /** Proxies whose X-Forwarded-For names the client (config `trusted_proxies`); none by default. */
  trustedProxies?: string[];
  healthChecks?: Record<string, () => Promise<unknown>>;
}

export interface BuildOptions {
  db: Knex;
  logger: Logger;
  macKey: string;
  operatorPassword: string;
  sessionSecret: string;
  domain: string;
  receivingAccountId: string;
  pendingSeconds: number;
  sanctionsList: ScreenableEntry[];
  sanctionsListFile: string;
  fuzzyThreshold: number;
  trustedProxies?: string[];
  /** Compliance's internal base URL, for the console's unpaid authorizations page. */
  complianceInternalUrl?: string;
  /** Sign-in limiter settings; the defaults of sign-in-limiter.ts when omitted. */
  signInLimits?: Partial<SignInLimits>;
}

/** Wires stores and services over one knex instance (main.ts and the tests both use it). */
export function buildDeps(options: BuildOptions): AppDeps {
  const customersStore = new KnexCustomersStore(options.db);
  const payments = new KnexPaymentsStore(options.db);
  const customers = new CustomersService(customersStore, {
    domain: options.domain,
    receivingAccountId: options.receivingAccountId,
  });
  const approvals = new ApprovalsService(
    customersStore,
    new KnexApprovalsStore(options.db),
    options.pendingSeconds,
  );
  const screener = new NameScreener(options.sanctionsList, options.fuzzyThreshold);
  const sanctions = new SanctionsService(
    screener,
    new KnexSanctionsHitsStore(options.db),
    options.pendingSeconds,
  );
  return {
    logger: options.logger,
    macKey: options.macKey,
    trustedProxies: options.trustedProxies,
    crediting: new CreditingService(customersStore, payments),
    customers,
    approvals,
    sanctions,
    operator: new OperatorService(
      options.operatorPassword,
      new KnexSessionsStore(options.db),
      new SignInLimiter(options.signInLimits),
    ),
    payments,
    console: {
      customers,
      approvals,
      sanctions,
      payments,
      sessionSecret: options.sessionSecret,
      domain: options.domain,
      receivingAccountId: options.receivingAccountId,
      sanctionsListSize: screener.size,
      sanctionsListFile: options.sanctionsListFile,
      unpaidAuth: options.complianceInternalUrl
        ? new UnpaidAuthClient(createHttpClient({ timeoutMs: 5_000 }), options.complianceInternalUrl)
        : undefined,
    },
    healthChecks: { database: () => options.db.raw('SELECT 1') },
  };
}

/**
 * The bridge's callbacks are signed over the exact body bytes, so for them the
 * body is read raw (as a Buffer in req.body) before the service app's parsers,
 * which then see a finished stream and leave it alone. A read failure (too
 * large, bad encoding) is handed on to the handler, which throws it inside the
 * service app so it gets the usual JSON error.
 */
function captureRawBody() {
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    raw(req, res, (err?: unknown) => {
      if (err) (req as Request & { rawBodyError?: unknown }).rawBodyError = err;
      next();
    });
  };
}

export function createApp(deps: AppDeps): Express {
  const service = createServiceApp(
    {
      service: 'callbacks',
      logger: deps.logger,
      bodyLimit: BODY_LIMIT,
      trustedProxies: deps.trustedProxies,
      healthChecks: deps.healthChecks,
    },
    (router) => mountRoutes(router, deps),
  );
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(deps.trustedProxies));
  app.use(['/receive', '/error'], captureRawBody());
  app.use(service);
  return app;
}
