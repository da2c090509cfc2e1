/**
 * `WebFetch(domain:example.com)` against the host of `input.url`, as Claude Code
 * documents it: case-insensitive, exact host; `domain:*.example.com` matches subdomains at
 * any depth but not example.com itself; any other `*` stays within one label; `domain:*`
 * matches everything. Hosts go through the WHATWG URL parser (IDN → punycode).
 */
import { domainToASCII } from 'node:url';

export type DomainMatcher = (host: string) => boolean;

function labelMatch(rule: string, label: string): boolean {
  if (!rule.includes('*')) return rule === label;
  const p = rule.split('*');
  if (!label.startsWith(p[0]!) || !label.endsWith(p[p.length - 1]!)) return false;
  let pos = p[0]!.length;
  for (let k = 1; k < p.length - 1; k++) {
    const at = label.indexOf(p[k]!, pos);
    if (at < 0) return false;
    pos = at + p[k]!.length;
  }
  return pos <= label.length - p[p.length - 1]!.length;
}

export function compileDomain(spec: string): DomainMatcher {
  const m = /^domain:(.+)$/i.exec(spec);
  if (!m) throw new Error('WebFetch rules read `WebFetch(domain:example.com)`');
  let d = m[1]!.trim().toLowerCase().replace(/\.$/, '');
  if (d === '*') return () => true;
  if (/[/:@\s]/.test(d) && !d.startsWith('[')) throw new Error(`\`${d}\` is not a host name (no scheme, port or path)`);
  if (!d.includes('*')) {
    const ascii = domainToASCII(d);
    if (ascii === '') throw new Error(`\`${d}\` is not a valid host name`);
    d = ascii;
    return (host) => host === d;
  }
  if (d.startsWith('*.') && !d.slice(2).includes('*')) {
    const suffix = `.${domainToASCII(d.slice(2)) || d.slice(2)}`;
    return (host) => host.endsWith(suffix) && host.length > suffix.length;
  }
  const labels = d.split('.');
  return (host) => {
    const h = host.split('.');
    return h.length === labels.length && labels.every((l, k) => labelMatch(l, h[k]!));
  };
}

/** The normalised host of a URL, or null when it cannot be parsed. */
export function hostOf(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 8192) return null;
  try {
    const h = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
    return h === '' ? null : h;
  } catch {
    return null;
  }
}
