/**
 * Secrets longer than the response guard's ordinary hold-back window, real-shaped: keys
 * generated here (node:crypto) rather than stored, so the repository carries none. Each
 * case is `before + secret + after`; `secret` is what must never reach a client, `kept`
 * the parts of it that may (the JSON around a service-account key, the YAML keys).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface LongSecret {
  name: string;
  /** The answer text the model writes. */
  text: string;
  /** Substrings of `text` that must not reach the client, not even in part. */
  secrets: string[];
  /** Ordinary text around them that must arrive whole: how the answer starts and ends. */
  before: string;
  after: string;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function rsaPem(bits: number, type: 'pkcs1' | 'pkcs8'): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type, format: 'pem' }).toString();
}

/** base64 in lines of `width`, as armour and PEM bodies are written. */
function wrap(b64: string, width: number): string {
  return b64.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
}

function openSshKey(): string {
  // openssh-key-v1 framing, then key material: the shape ssh-keygen writes (~2.6 KB for RSA 3072).
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), randomBytes(1900)]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(body.toString('base64'), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function pgpKeyBlock(): string {
  // A 4096-bit secret key packet and subkey: ~6.6 KB of armour with its CRC line.
  const body = Buffer.concat([Buffer.from([0x95, 0x07, 0x46, 0x04]), randomBytes(4900)]);
  return `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${wrap(body.toString('base64'), 64)}\n=${randomBytes(3).toString('base64')}\n-----END PGP PRIVATE KEY BLOCK-----\n`;
}

function longJwt(): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: randomBytes(16).toString('hex') }));
  const claims: Record<string, unknown> = { sub: 'system:serviceaccount:prod:deployer', iss: 'https://issuer.example.internal', iat: 1_760_000_000, exp: 1_760_003_600 };
  claims.groups = Array.from({ length: 60 }, (_, i) => `team-${i}-${randomBytes(6).toString('hex')}`);
  return `${header}.${b64url(JSON.stringify(claims))}.${b64url(randomBytes(512))}`;
}

let made: LongSecret[] | undefined;

/** The long secrets of issue 8, made once per process (RSA key generation is slow). */
export function longSecrets(): LongSecret[] {
  made ??= makeLongSecrets();
  return made;
}

function makeLongSecrets(): LongSecret[] {
  const rsa2048 = rsaPem(2048, 'pkcs1');
  const rsa4096 = rsaPem(4096, 'pkcs8');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const ssh = openSshKey();
  const pgp = pgpKeyBlock();
  const jwt = longJwt();
  const gcpKey = rsaPem(2048, 'pkcs8');
  const gcpKeyJson = JSON.stringify(gcpKey).slice(1, -1);
  const gcpKeyId = randomBytes(20).toString('hex');
  const gcp = JSON.stringify(
    {
      type: 'service_account', project_id: 'billing-prod-4471', private_key_id: gcpKeyId, private_key: gcpKey,
      client_email: 'deployer@billing-prod-4471.iam.gserviceaccount.com', client_id: '104719283746519283746',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth', token_uri: 'https://oauth2.googleapis.com/token',
    },
    null,
    2,
  ).replace(/": /g, '": ');
  const clientKeyData = Buffer.from(rsaPem(2048, 'pkcs1')).toString('base64');
  const kubeconfig = [
    'apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:', '    server: https://10.0.0.1:6443', '  name: prod',
    'users:', '- name: admin', '  user:', `    client-key-data: ${clientKeyData}`, 'current-context: prod', '',
  ].join('\n');
  const say = (intro: string, body: string, outro = '\nKeep it somewhere safe.') => `${intro}\n\n\`\`\`\n${body}\`\`\`\n${outro}`;
  const cases: Omit<LongSecret, 'before' | 'after'>[] = [
    { name: 'RSA 2048 PEM (PKCS#1)', text: say('Here is the deploy key you asked for:', rsa2048), secrets: [rsa2048.trim()] },
    { name: 'RSA 4096 PEM (PKCS#8)', text: say('The signing key:', rsa4096), secrets: [rsa4096.trim()] },
    { name: 'EC private key', text: say('The EC key:', ec), secrets: [ec.trim()] },
    { name: 'OpenSSH private key', text: say('Your ~/.ssh/id_rsa:', ssh), secrets: [ssh.trim()] },
    { name: 'PGP private key block', text: say('The release-signing key:', pgp), secrets: [pgp.trim()] },
    { name: 'long JWT', text: `The service token is ${jwt} and it expires in an hour.`, secrets: [jwt] },
    // The key id stays (gitleaks allowlists `key_id`); `"type": "service_account"` is masked too.
    { name: 'GCP service-account JSON', text: say('The key file:', `${gcp}\n`), secrets: [gcpKeyJson.replace(/\\n$/, '')] },
    { name: 'kubeconfig client-key-data', text: say('Your kubeconfig:', kubeconfig), secrets: [clientKeyData] },
  ];
  return cases.map((c) => {
    const from = c.text.indexOf(c.secrets[0]!);
    const to = c.text.lastIndexOf(c.secrets.at(-1)!) + c.secrets.at(-1)!.length;
    return { ...c, before: c.text.slice(0, c.name.startsWith('GCP') ? c.text.indexOf('{') : from), after: c.text.slice(to) };
  });
}

/** Every `size`-character piece of `secret` (step 1) that shows up in `out`. */
export function leakedPieces(out: string, secret: string, size = 12): string[] {
  const found: string[] = [];
  for (let i = 0; i + size <= secret.length; i++) {
    const piece = secret.slice(i, i + size);
    if (out.includes(piece)) found.push(piece);
  }
  return found;
}
