import assert from 'node:assert/strict';
import { test } from 'node:test';
import { longSecrets } from '../../../../test/support/long-secrets.js';
import { AGENT_RULES, RULE_REFINEMENTS } from './agent-rules.js';
import { CompiledRule } from './compiled-rule.js';
import { OPEN_SPECS, OpenMatchFinder } from './open-matches.js';
import { sampler } from './regex-sample.js';
import { GITLEAKS_RULES } from './rules/gitleaks.js';
import { gitleaksRuleCases } from './test-support.js';

const data = [...GITLEAKS_RULES.map((r) => ({ ...r, ...RULE_REFINEMENTS[r.id] })), ...AGENT_RULES];
const rules = data.map((d) => new CompiledRule(d));
const finder = new OpenMatchFinder(rules);

test('every rule without a bounded match states its open matches, with anchors at the match start', () => {
  const unbounded = data.filter((d) => d.maxLength < 0).map((d) => d.id).sort();
  assert.deepEqual(Object.keys(OPEN_SPECS).sort(), unbounded);
  for (const d of data.filter((x) => OPEN_SPECS[x.id])) {
    assert.ok(d.anchors?.length, `${d.id}: no anchors`);
    assert.equal(d.anchorOffset ?? 0, 0, `${d.id}: anchors must start the match`);
  }
});

// Hand-written matches for the rules random samples cannot draw (lookaheads, validators).
const HAND: Record<string, string[]> = {
  'kubernetes-secret-yaml': [
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: cGFzc3dvcmQxMjM0NTY3ODkw\n',
    'apiVersion: v1\ndata:\n  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND\nkind: Secret\n',
    'kind: secret\ndata:\n  token: |\n    ZXhhbXBsZXRva2VuMTIzNDU2Nzg5MA==\n',
  ],
  jwt: longSecrets().filter((c) => c.name === 'long JWT').map((c) => c.text),
  'private-key': longSecrets().filter((c) => c.name.includes('PEM') || c.name.includes('PGP')).map((c) => c.text),
};

/** Each match of the rule in `text`: every prefix from the full anchor on must be open at the match start. */
function unsoundPrefixes(id: string, regex: string, flags: string, text: string): string[] {
  const bad: string[] = [];
  const re = new RegExp(regex, flags + 'g');
  const anchors = data.find((d) => d.id === id)!.anchors!;
  for (const m of text.matchAll(re)) {
    const s = m.index;
    const e = s + m[0].length;
    // Shorter prefixes are a partial anchor, which the ordinary window holds.
    const anchor = Math.max(...anchors.filter((a) => text.slice(s, s + a.length).toLowerCase() === a).map((a) => a.length));
    for (let k = s + anchor; k < e; k++) {
      if (![...finder.find(text.slice(0, k), 0)].some((o) => o.rule === id && o.start === s)) {
        bad.push(`${id}: ${JSON.stringify(text.slice(s, k).slice(-60))} is a prefix of a match but not open`);
        break;
      }
    }
  }
  return bad;
}

test('each open pattern accepts every prefix of its rule’s matches (gitleaks cases, samples, hand cases)', () => {
  const cases = gitleaksRuleCases().filter((c) => c.expect === 'secret');
  const bad: string[] = [];
  let checked = 0;
  for (const d of data.filter((x) => OPEN_SPECS[x.id])) {
    const texts = [...cases.filter((c) => c.rule === d.id).map((c) => c.text), ...(HAND[d.id] ?? [])];
    const next = sampler(d.regex, d.flags);
    for (let i = 0; next && i < 30; i++) texts.push(` ${next()}\n`);
    for (const t of texts) {
      const found = unsoundPrefixes(d.id, d.regex, d.flags, t);
      bad.push(...found);
      checked += new RegExp(d.regex, d.flags + 'g').test(t) ? 1 : 0;
    }
    assert.ok(texts.length > 0, `${d.id}: nothing to check it with`);
  }
  assert.deepEqual(bad, []);
  assert.ok(checked > 300, `${checked} matches checked`);
});

test('ordinary prose closes every open match well within the ordinary window', () => {
  const prose = [
    'They keep the key to the office in a drawer; the token of thanks was an eye-catching card. ',
    'See https://example.com/docs/setup for the guide, and the data: section of the manifest. ',
    'The kind: Deployment object has an API for secrets, and authors often paste credentials by mistake. ',
    'Run curl with -s to keep it quiet.\nThen check the logs.\n',
  ].join('').repeat(12);
  for (let end = 50; end <= prose.length; end += 37) {
    const text = prose.slice(0, end);
    for (const o of finder.find(text, 0)) {
      const held = text.slice(o.start);
      // curl holds up to six lines (11 line breaks: its `[\n\r]{1,2}` five times, then one
      // before the flag), a Kubernetes `data:` its bounded gaps (less than the ordinary
      // window); the rest close within a few words.
      if (o.rule.startsWith('curl-')) assert.ok(held.split('\n').length <= 12, `${o.rule} open over ${held.split('\n').length} lines`);
      else assert.ok(held.length <= (o.rule === 'kubernetes-secret-yaml' ? 900 : 100), `${o.rule} still open ${held.length} characters on: ${JSON.stringify(held.slice(0, 40))}`);
    }
  }
});

test('a certificate or a public key closes at its END line; a private key stays open until its END line', () => {
  const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU' + 'A'.repeat(600) + '\n-----END CERTIFICATE-----\n';
  assert.deepEqual([...finder.find(cert.slice(0, 40), 0)].map((o) => o.rule), []);
  const key = longSecrets()[0]!.secrets[0]!;
  const body = key.indexOf('\n') + 1;
  const open = [...finder.find(key.slice(0, body + 900), 0)];
  assert.deepEqual(open.map((o) => [o.rule, o.start, o.truncatedIsSecret]), [['private-key', 0, true]]);
  assert.deepEqual([...finder.find(key + '\nmore text', 0)], []);
});
