import type { SecretRuleData } from './rule-types.js';
import { decodesToPrintable, isDockerAuth, isOpaqueToken, isNotPlaceholder } from './validators.js';

/**
 * Where agents meet credentials that carry no vendor prefix: HTTP dumps and logs, and the
 * credential files of common tools (`cat ~/.pgpass`, `kubectl get secret -o json`, …). Each
 * rule needs the file's own syntax or a key name around the value, so a bare random string
 * is not reported. Regexes are bounded and vetted by redos.test.ts like every other rule.
 */
export const CREDENTIAL_FILE_RULES: readonly SecretRuleData[] = [
  {
    id: 'http-bearer-token',
    description: 'A bearer token in an HTTP Authorization header, as debug dumps, client errors and JSON log lines print it.',
    regex: String.raw`authorization["']?[\t ]*[:=][\t ]*["']?bearer[\t ]+([\w\-.~+\/]{16,900}={0,2})(?![\w\-.~+\/=])`,
    flags: 'i', entropy: 3, maxLength: 960, confidence: 0.85,
    keywords: ['authorization'],
    anchors: ['authorization'],
    validate: isOpaqueToken,
  },
  {
    id: 'pgpass-password',
    description: 'The password field of a PostgreSQL ~/.pgpass line (host:port:database:user:password).',
    regex: String.raw`(?:^|\n)[\t ]*[^\s:#][^\s:]{0,252}:(?:\d{1,5}|\*):[^\s:]{1,63}:[^\s:]{1,63}:((?:\\:|[^\s:\\]){1,256})(?=\r?\n|$)`,
    flags: '', maxLength: 660, confidence: 0.8,
    keywords: [':5432:', ':*:', ':6432:', 'pgpass'],
    validate: isNotPlaceholder,
  },
  {
    id: 'netrc-password',
    description: 'A password in a .netrc / _netrc entry (machine … login … password …), read by curl, git and ftp.',
    regex: String.raw`\bmachine[\t ]+\S{1,200}(?:[\t\n\r ]{1,8}(?:login|account|port)[\t ]+\S{1,128}){0,3}[\t\n\r ]{1,8}password[\t ]+(\S{1,256})`,
    flags: 'i', maxLength: 1000, confidence: 0.85,
    keywords: ['machine'],
    anchors: ['machine'],
    validate: isNotPlaceholder,
  },
  {
    id: 'npmrc-auth-token',
    description: 'A registry credential in .npmrc (//registry/:_authToken=, :_auth=, :_password=).',
    regex: String.raw`:_(?:authToken|auth|password)[\t ]*=[\t ]*["']?([^\s"'$]{8,512})`,
    flags: '', maxLength: 540, confidence: 0.9,
    keywords: [':_auth', ':_password'],
    anchors: [':_auth', ':_password'],
    validate: isNotPlaceholder,
  },
  {
    id: 'pypirc-password',
    description: 'A password in a .pypirc index-server section.',
    regex: String.raw`\n[\t ]*password[\t ]*[:=][\t ]*([^\s]{4,256})`,
    flags: 'i', maxLength: 300, confidence: 0.8,
    keywords: ['[pypi', '[testpypi', 'index-servers'],
    validate: isNotPlaceholder,
  },
  {
    id: 'docker-config-auth',
    description: 'A registry login in Docker config.json (`auths.<registry>.auth`: base64 of user:password).',
    regex: String.raw`"auth"[\t ]*:[\t ]*"([A-Za-z\d+\/]{8,900}={0,2})"`,
    flags: '', maxLength: 930, confidence: 0.9,
    keywords: ['"auth"'],
    anchors: ['"auth"'],
    validate: isDockerAuth,
  },
  {
    id: 'aws-secret-access-key',
    description: 'An AWS secret access key or session token in ~/.aws/credentials, env files or config.',
    regex: String.raw`\baws_(?:secret_access_key|session_token)["']?[\t ]*[:=][\t ]*["']?([A-Za-z\d\/+]{40}(?:[A-Za-z\d\/+=]{0,900}))(?![A-Za-z\d\/+=])`,
    flags: 'i', entropy: 4, maxLength: 1000, confidence: 0.95,
    keywords: ['aws_secret_access_key', 'aws_session_token'],
    anchors: ['aws_secret_access_key', 'aws_session_token'],
    // AWS documentation's example secret (wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
    allowlists: [{ stopwords: ['example'] }],
  },
  {
    id: 'kubernetes-secret-json',
    description: 'A value of a Kubernetes Secret printed as JSON (`kubectl get secret -o json`): base64 of the secret.',
    regex: String.raw`"[\w.\-]{1,63}"[\t ]*:[\t ]*"((?:[A-Za-z\d+\/]{4}){1,220}(?:[A-Za-z\d+\/]{2}==|[A-Za-z\d+\/]{3}=)?)"`,
    flags: '', maxLength: 970, confidence: 0.85,
    keywords: ['"kind": "secret"', '"kind":"secret"'],
    validate: decodesToPrintable,
  },
];
