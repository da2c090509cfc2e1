import { prng } from '../../../core/prng.js';

/**
 * A deterministic evasion corpus: secrets in the shapes agent traffic carries them (encoded,
 * escaped, split, in credential files and HTTP dumps) and at least three look-alikes per
 * secret (hashes, UUIDs, lockfile integrity strings, images, cursors, docs' example keys,
 * encoded ordinary text). Generated from a fixed seed, so a run is reproducible.
 */
export interface CorpusSample {
  shape: string;
  text: string;
  /** true: the text carries a live credential that must be found. */
  secret: boolean;
}


const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';

export function evasionCorpus(seed = 20261204, rounds = 12): CorpusSample[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const str = (alphabet: string, n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  // A token that mixes classes, as real ones do (guards against an all-letter draw).
  const mixed = (n: number): string => `${str('ABCDEFGHJKLMNPQRSTUVWXYZ', 2)}${str('0123456789', 2)}${str(ALNUM, n - 4)}`;

  const secrets: Array<{ name: string; env: string; value: () => string }> = [
    { name: 'github', env: 'GITHUB_TOKEN', value: () => `ghp_${mixed(36)}` },
    { name: 'anthropic', env: 'ANTHROPIC_API_KEY', value: () => `sk-ant-api03-${mixed(93)}AA` },
    { name: 'slack', env: 'SLACK_BOT_TOKEN', value: () => `xoxb-${str('0123456789', 12)}-${str('0123456789', 13)}-${mixed(24)}` },
    { name: 'stripe', env: 'STRIPE_SECRET_KEY', value: () => `sk_live_${mixed(24)}` },
    { name: 'aws', env: 'AWS_ACCESS_KEY_ID', value: () => `AKIA${str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 2)}${str('234567', 2)}${str(B32, 12)}` },
    { name: 'npm', env: 'NPM_TOKEN', value: () => `npm_${mixed(36)}` },
    { name: 'gitlab', env: 'GITLAB_TOKEN', value: () => `glpat-${mixed(20)}` },
  ];
  const envFile = (s: { env: string }, v: string): string => `# app settings\nNODE_ENV=production\nPORT=8080\n${s.env}=${v}\nLOG_LEVEL=info\n`;
  const wrap = (s: string, width: number): string => s.replace(new RegExp(`(.{${width}})`, 'g'), '$1\n').trimEnd();

  const out: CorpusSample[] = [];
  const add = (shape: string, text: string, secret: boolean): void => {
    out.push({ shape, text, secret });
  };

  for (let r = 0; r < rounds; r++) {
    const s = pick(secrets);
    const v = s.value();
    // --- secrets, one shape each ---
    add('base64 .env (wrapped at 76)', `$ base64 .env\n${wrap(Buffer.from(envFile(s, v)).toString('base64'), 76)}\n`, true);
    add('base64 one line', `echo ${Buffer.from(envFile(s, v)).toString('base64')} | base64 -d`, true);
    add('hex (xxd -p)', `$ xxd -p .env\n${wrap(Buffer.from(envFile(s, v)).toString('hex'), 60)}\n`, true);
    add('url-encoded query', `GET /callback?state=xyz&${s.env.toLowerCase()}%3D${encodeURIComponent(v)}%26next%3D%252F HTTP/1.1`, true);
    add('url-encoded form', `POST body: grant_type=client_credentials&client_secret=${encodeURIComponent(v)}&scope=read%20write`, true);
    add('json in json', JSON.stringify({ level: 'debug', msg: JSON.stringify({ config: { [s.env.toLowerCase()]: v } }) }), true);
    add('json in json in json', JSON.stringify({ event: JSON.stringify({ body: JSON.stringify({ token: v }) }) }), true);
    add('.git-credentials', `https://${pick(['alice', 'ci-bot', 'x-access-token'])}:${v}@github.com\n`, true);
    add('split literal (+)', `const token = "${v.slice(0, 14)}" +\n  "${v.slice(14)}";`, true);
    add('shell continuation', `curl -s https://api.example.test/v1 \\\n  -d token=${v.slice(0, 12)}\\\n${v.slice(12)}`, true);
    const bearer = `${mixed(28)}.${str(ALNUM, 12)}`;
    add('bearer in curl -v dump', `> GET /api/v2/items HTTP/1.1\n> Host: internal.example.test\n> Authorization: Bearer ${bearer}\n> Accept: */*\n`, true);
    add('bearer in json log', JSON.stringify({ ts: 1733300000, req: { headers: { authorization: `Bearer ${bearer}` } } }), true);
    add('.pgpass', `db.internal:5432:orders:app_rw:${mixed(20)}\n*:*:*:readonly:${mixed(16)}\n`, true);
    add('.netrc', `machine api.heroku.com\n  login alice@example.com\n  password ${mixed(32)}\n`, true);
    add('.npmrc', `registry=https://registry.npmjs.org/\n//npm.pkg.example.test/:_authToken=${mixed(40)}\n`, true);
    add('.pypirc', `[distutils]\nindex-servers =\n  internal\n\n[internal]\nrepository = https://pypi.example.test/simple\nusername = deploy\npassword = ${mixed(24)}\n`, true);
    add('docker config.json', JSON.stringify({ auths: { 'registry.example.test': { auth: Buffer.from(`deploy:${mixed(20)}`).toString('base64') } } }, null, 2), true);
    add('aws credentials', `[default]\naws_access_key_id = AKIA${str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 2)}${str(B32, 14)}\naws_secret_access_key = ${str(B64, 40)}\n`, true);
    add('kubectl secret json', JSON.stringify({ apiVersion: 'v1', data: { password: Buffer.from(mixed(18)).toString('base64'), username: Buffer.from('app').toString('base64') }, kind: 'Secret', metadata: { name: 'db-creds', namespace: 'default' }, type: 'Opaque' }, null, 4), true);
    add('kubeconfig client-key-data', `users:\n- name: admin\n  user:\n    client-certificate-data: ${str(B64, 120)}\n    client-key-data: ${Buffer.from(`-----BEGIN RSA PRIVATE KEY-----\n${wrap(str(B64, 256), 64)}\n-----END RSA PRIVATE KEY-----\n`).toString('base64')}\n`, true);

    // --- look-alikes: three per secret above (three draws of twenty kinds) ---
    for (let k = 0; k < 3; k++) {
      const prose = pick(['The quick brown fox jumps over the lazy dog while the build runs.', 'Release notes: fixed the retry loop and the cache key naming in the scheduler.', 'Remember to rotate the logs weekly; the disk fills up otherwise.']);
      const uuid = () => `${str(HEX, 8)}-${str(HEX, 4)}-4${str(HEX, 3)}-a${str(HEX, 3)}-${str(HEX, 12)}`;
      const looks: Array<[string, string]> = [
        ['uuid', `request_id: ${uuid()}`],
        ['uuid in json', JSON.stringify({ id: uuid(), parent: uuid() })],
        ['sha256', `sha256  ${str(HEX, 64)}  dist/app.tar.gz`],
        ['git sha', `commit ${str(HEX, 40)}\nAuthor: Alice <alice@example.com>`],
        ['lockfile integrity', `"integrity": "sha512-${str(B64, 86)}=="`],
        ['base64 image', `<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${str(B64, 200)}=">`],
        ['docs example key', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
        ['docs example secret', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
        ['pagination cursor', JSON.stringify({ NextToken: Buffer.from(JSON.stringify({ offset: Math.floor(rnd() * 1e5), shard: str(HEX, 6) })).toString('base64') })],
        ['cache-key cursor', `cache-key: ${Buffer.from(JSON.stringify({ v: 2, page: Math.floor(rnd() * 100) })).toString('base64')}`],
        ['etag', `ETag: W/"${str(HEX, 32)}"`],
        ['base64 of prose', `echo ${Buffer.from(prose).toString('base64')} | base64 -d`],
        ['hex of prose', Buffer.from(prose).toString('hex')],
        ['percent-encoded url', `https://example.test/search?q=${encodeURIComponent(prose)}&page=2`],
        ['escaped json', JSON.stringify({ msg: JSON.stringify({ user: 'alice', action: 'login', ok: true }) })],
        ['bearer placeholder', 'curl -H "Authorization: Bearer $API_TOKEN" https://api.example.test'],
        ['git remote', `git clone git+ssh://git@github.com/org/${str('abcdefghij', 6)}.git\ngit remote add up git@github.com:org/repo.git`],
        ['db url placeholder', 'DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app'],
        ['npmrc env ref', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}'],
        ['split words', 'const label = "Total " + "items: " + count;'],
      ];
      for (const [shape, text] of looks) add(`look-alike: ${shape}`, text, false);
    }
  }
  return out;
}
