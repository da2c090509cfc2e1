/**
 * Plays the person in front of the browser for a device login: opens the verification page
 * of the real oidc-provider, submits the user code in its form, confirms on its confirmation
 * page, goes through the IdP's interaction (login and consent: the account is the one the
 * login asked for with `login_hint`), and reads the success page — plain HTTP with a cookie
 * jar, no browser engine.
 */

export interface DeviceVisit {
  /** Each page seen: status, URL and title. */
  pages: { status: number; url: string; title: string }[];
  /** The last page's title (`Sign-in Success` when it worked). */
  title: string;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
}

/** The first form of a page: its action, and every input's name and value. */
function firstForm(html: string, base: string): { action: string; method: string; fields: Record<string, string> } | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const input of m[2]!.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name) fields[name] = (attr(input, 'value') ?? '').replace(/&amp;/g, '&');
  }
  return { action: new URL((attr(m[1]!, 'action') ?? base).replace(/&amp;/g, '&'), base).href, method: (attr(m[1]!, 'method') ?? 'get').toUpperCase(), fields };
}

export async function enterDeviceCode(verificationUri: string, userCode: string): Promise<DeviceVisit> {
  const jar = new Map<string, string>();
  const pages: DeviceVisit['pages'] = [];
  let url = verificationUri;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    const html = await res.text();
    const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1]?.trim() ?? '';
    pages.push({ status: res.status, url, title });
    if (location) {
      url = new URL(location, url).href;
      init = {};
      continue;
    }
    const form = firstForm(html, url);
    if (res.status !== 200 || !form) return { pages, title };
    // The code input page has a `user_code` field; the confirmation page carries it hidden.
    if ('user_code' in form.fields && !form.fields.user_code) form.fields.user_code = userCode;
    delete form.fields.abort;
    url = form.action;
    init = { method: form.method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() };
  }
  throw new Error(`the device login did not finish in 20 pages: ${JSON.stringify(pages)}`);
}
