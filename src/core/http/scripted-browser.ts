import { Agent, fetch } from 'undici';

/**
 * A scripted browser: follows sign-in pages over real HTTP with a cookie jar
 * (paths honoured, as a browser would), no JavaScript. Tests use it, and the
 * CLI signs demo people in with it (../../clients/cli/demo-sign-in.ts).
 */
export class Browser {
  private readonly jar = new Map<string, { value: string; path: string }>();

  private readonly dispatcher: Agent | undefined;

  constructor(
    readonly base: string,
    ca?: string,
  ) {
    this.dispatcher = ca ? new Agent({ connect: { ca } }) : undefined;
  }

  async request(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string>,
    json?: unknown,
  ): Promise<{ status: number; location: string | undefined; text: string }> {
    const u = new URL(url, this.base);
    const cookie = [...this.jar.entries()]
      .filter(([, c]) => u.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const res = await fetch(u, {
      method,
      redirect: 'manual',
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    for (const sc of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = sc.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.jar.delete(name);
      else this.jar.set(name, { value, path });
    }
    const location = res.headers.get('location') ?? undefined;
    return {
      status: res.status,
      location: location ? new URL(location, u).href : undefined,
      text: await res.text(),
    };
  }

  /** GET, following redirects until one leaves for `stopAt` or a page is shown. */
  async follow(url: string, stopAt?: string) {
    let r = await this.request('GET', url);
    let hops = 0;
    while (r.status >= 300 && r.status < 400 && r.location && hops++ < 10) {
      if (stopAt && r.location.startsWith(stopAt)) return r;
      r = await this.request('GET', r.location);
    }
    return r;
  }
}

/** The form's action from a page. */
export function formAction(html: string): string {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!m) throw new Error('no form on the page');
  return m[1]!.replace(/&#(\d+);/g, (_s, c: string) => String.fromCharCode(Number(c)));
}

/** The value of a hidden input. */
export function hiddenInput(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} input on the page`);
  return m[1]!;
}
