// GET /health is readiness: it reports `degraded` (503, checks.network failing) while
// the bridge cannot reach its network (Horizon, or Stellar RPC's getHealth), and `ok` again once it can; GET /health/live
// answers 200 throughout, so an orchestrator does not restart a bridge whose network
// is down (issue 15, finding 6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localnet, networkLegs, runBridge, type Localnet, type RunningBridge } from './helpers.js';

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(networkLegs())('bridge health and the network ($name)', (network) => {
  let net: Localnet;
  let bridge: RunningBridge;
  beforeAll(async () => {
    net = await localnet();
    bridge = await runBridge({ ...network.config(net), api_key: 'an-api-key-of-15-chars' });
  });
  afterAll(async () => bridge?.close());

  it('is ready while the network answers, degraded when it stops, live throughout', async () => {
    const ready = await get(`${bridge.url}/health`);
    expect(ready).toMatchObject({ status: 200, body: { status: 'ok', checks: { network: 'ok' } } });

    await net.close();
    const degraded = await get(`${bridge.url}/health`);
    expect(degraded).toMatchObject({
      status: 503,
      body: { status: 'degraded', service: 'bridge', checks: { network: 'failing' } },
    });
    // Liveness and readiness need no API key: the orchestrator has none.
    const live = await get(`${bridge.url}/health/live`);
    expect(live).toMatchObject({ status: 200, body: { status: 'ok', service: 'bridge' } });
  });
});
