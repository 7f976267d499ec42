// Drives a bank's operator console over HTTP the way a person does in the
// browser: sign in, open a page, press a button (with the page's CSRF token).
// The demo uses it for "b1 approves", and to read customers' balances.

export class ConsoleClient {
  private cookies = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly password: string,
  ) {}

  private async request(path: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      this.cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
    return res;
  }

  private static csrf(page: string): string {
    const match = /name="csrf" value="([^"]+)"/.exec(page);
    if (!match) throw new Error('no CSRF token on the page');
    return match[1] as string;
  }

  async signIn(): Promise<void> {
    const form = await (await this.request('/console/login')).text();
    const res = await this.request('/console/login', {
      method: 'POST',
      form: { csrf: ConsoleClient.csrf(form), password: this.password },
    });
    if (res.status !== 303) throw new Error(`console sign-in failed (${res.status})`);
  }

  async page(path: string): Promise<string> {
    const res = await this.request(path);
    if (res.status !== 200) throw new Error(`console ${path} answered ${res.status}`);
    return res.text();
  }

  /** Presses Approve (or Deny) on every pending approval request; returns how many. */
  async decideAllPending(decision: 'approve' | 'deny'): Promise<number> {
    const page = await this.page('/console/approvals');
    const csrf = ConsoleClient.csrf(page);
    const ids = [...page.matchAll(/action="\/console\/approvals\/(\d+)\/approve"/g)].map(
      (m) => m[1] as string,
    );
    for (const id of ids) {
      const res = await this.request(`/console/approvals/${id}/${decision}`, {
        method: 'POST',
        form: { csrf },
      });
      if (res.status !== 303) throw new Error(`console ${decision} #${id} answered ${res.status}`);
    }
    return ids.length;
  }

  /** The balance text the customers page shows for `address` (e.g. "25.00 USD"), or undefined. */
  async balanceOf(address: string): Promise<string | undefined> {
    const page = await this.page('/console/customers');
    const row = page.split('<tr>').find((r) => r.includes(`>${address}<`));
    const cell = row?.match(/<td class="num">([\s\S]*?)<\/td>/)?.[1];
    const text = cell
      ?.replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text && text !== '—' ? text : undefined;
  }
}
