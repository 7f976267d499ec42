import { Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger, createServiceApp, InvalidParameterError, requestLog } from '../src/index.js';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', format: 'json', stream, level: 'debug' }) };
}

function buildApp() {
  const { lines, logger } = captureLogger();
  const app = createServiceApp(
    { service: 'test', logger, bodyLimit: '1kb', jsonSpaces: 2, jsonPaths: ['/echo'] },
    (router) => {
      router.post('/echo', (req, res) => {
        requestLog(res).info('echo', { signing_seed: 'SSECRET', amount: '1' });
        res.json({ body: req.body });
      });
      router.get('/bad', () => {
        throw new InvalidParameterError('amount', 'Amount must be positive and have up to 7 decimal places.');
      });
      router.get('/boom', () => {
        throw new Error('select * from secret_table failed');
      });
    },
  );
  return { app, lines };
}

describe('createServiceApp', () => {
  it('parses form bodies with flat bracketed keys and answers indented JSON', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/echo').type('form').send('path[0][asset_code]=USD&a=1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: { 'path[0][asset_code]': 'USD', a: '1' } });
    expect(res.text).toContain('\n  "body"');
    expect(res.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
  });

  it('renders AppError as the legacy error JSON', async () => {
    const res = await request(buildApp().app).get('/bad');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 'invalid_parameter',
      message: 'Invalid parameter.',
      more_info: 'Amount must be positive and have up to 7 decimal places.',
      data: { name: 'amount' },
    });
  });

  it('hides unexpected errors behind a generic 500 and logs them with an id', async () => {
    const { app, lines } = buildApp();
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('internal_server_error');
    expect(res.text).not.toContain('secret_table');
    expect(lines.join('')).toContain(res.body.data.error_id);
  });

  it('refuses oversized and malformed bodies with stable codes', async () => {
    const { app } = buildApp();
    const big = await request(app)
      .post('/echo')
      .type('form')
      .send(`a=${'x'.repeat(5000)}`);
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('request_too_large');
    const bad = await request(app).post('/echo').set('content-type', 'application/json').send('{"a":');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_body');
  });

  it('answers malformed requests with 4xx, logged at warn without a stack', async () => {
    const { lines, logger } = captureLogger();
    const app = createServiceApp({ service: 'test', logger }, (router) => {
      router.post('/items/:id', (req, res) => res.json({ id: req.params.id }));
    });
    const charset = await request(app)
      .post('/items/1')
      .set('content-type', 'application/x-www-form-urlencoded; charset=utf-7')
      .send('a=1');
    expect([charset.status, charset.body.code]).toEqual([415, 'unsupported_charset']);
    const gzip = await request(app)
      .post('/items/1')
      .set('content-type', 'application/x-www-form-urlencoded')
      .set('content-encoding', 'gzip')
      .send('a=1');
    expect([gzip.status, gzip.body.code]).toEqual([400, 'invalid_body']);
    const path = await request(app).post('/items/%E0%A4%A').type('form').send('a=1');
    expect([path.status, path.body.code]).toEqual([400, 'invalid_path']);
    const json = await request(app).post('/items/1').set('content-type', 'application/json').send('{}');
    expect([json.status, json.body.code]).toEqual([415, 'unsupported_media_type']);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const malformed = logged.filter((l) => l.message === 'malformed request');
    expect(malformed.map((l) => [l.level, l.code])).toEqual([
      ['warn', 'unsupported_charset'],
      ['warn', 'invalid_body'],
      ['warn', 'invalid_path'],
    ]);
    expect(lines.join('')).not.toMatch(/\n\s+at |stack|unhandled error/);
  });

  it('answers unknown routes with 404 JSON, serves health and metrics', async () => {
    const { app } = buildApp();
    expect((await request(app).get('/nope')).body.code).toBe('not_found');
    expect((await request(app).get('/health')).body.status).toBe('ok');
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toContain('http_request_duration_seconds');
  });

  it('redacts secrets from request logs', async () => {
    const { app, lines } = buildApp();
    await request(app).post('/echo').type('form').send('a=1');
    const log = lines.join('');
    expect(log).toContain('"signing_seed":"[redacted]"');
    expect(log).not.toContain('SSECRET');
  });
});

describe('health: readiness and liveness', () => {
  const app = (own: () => Promise<unknown>, dep: () => Promise<unknown>) =>
    createServiceApp(
      {
        service: 'svc',
        logger: createLogger({ service: 'test', level: 'error' }),
        healthChecks: { database: own },
        dependencyChecks: { network: dep },
      },
      () => {},
    );
  const ok = async () => undefined;
  const down = async () => {
    throw new Error('unreachable');
  };

  it('is ok, degraded when only a dependency fails, failing when the service itself does', async () => {
    const ready = await request(app(ok, ok)).get('/health');
    expect([ready.status, ready.body]).toEqual([
      200,
      { status: 'ok', service: 'svc', checks: { database: 'ok', network: 'ok' } },
    ]);
    const degraded = await request(app(ok, down)).get('/health');
    expect([degraded.status, degraded.body.status, degraded.body.checks.network]).toEqual([
      503,
      'degraded',
      'failing',
    ]);
    const failing = await request(app(down, down)).get('/health');
    expect([failing.status, failing.body.status]).toEqual([503, 'failing']);
  });

  it('answers liveness whatever the checks say', async () => {
    const live = await request(app(down, down)).get('/health/live');
    expect([live.status, live.body]).toEqual([200, { status: 'ok', service: 'svc' }]);
  });
});

describe('logger redaction', () => {
  it('masks secrets nested in objects, arrays and messages, and seeds or URL passwords in text', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'test', format: 'json', stream });
    const seed = 'SBQWY3DNPFWGSZTFNZXXEZLUMVZWK43UMVZWK43UMVZWK43UMVZWK43U';
    logger.info(`could not sign with ${seed}`, {
      config: { database: { url: 'mysql://bank:hunter2@db:3306/bank' }, keys: { signing_seed: 'x' } },
      attempts: [{ mac_key: 'y' }, `retry with ${seed}`],
      error: new Error(`connect mysql://root:topsecret@127.0.0.1/x failed`),
      amount: '10.5',
    });
    const text = lines.join('');
    expect(text).not.toContain(seed);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('topsecret');
    const entry = JSON.parse(text);
    expect(entry.config.keys.signing_seed).toBe('[redacted]');
    expect(entry.attempts[0].mac_key).toBe('[redacted]');
    expect(entry.config.database.url).toBe('mysql://bank:[redacted]@db:3306/bank');
    expect(entry.amount).toBe('10.5');
  });
});
