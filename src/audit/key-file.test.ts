import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultKeyFile, verifierAuditKey, verifyKeyOption, writerAuditKey } from './key-file.js';
import { tempDir } from './fixtures/records.js';

const setup = () => {
  const base = tempDir();
  return { base, auditDir: join(base, 'audit') };
};

describe('audit key file', () => {
  test('the first start generates a random key beside the folder, mode 0600, written only by persist()', () => {
    const { base, auditDir } = setup();
    const k = writerAuditKey({ auditDir });
    assert.equal(k.generated, true);
    assert.equal(k.source, join(base, 'audit.key'));
    assert.equal(defaultKeyFile(auditDir), k.source);
    assert.equal(existsSync(k.source), false, 'nothing is written before the log opened under the key');
    k.persist();
    assert.match(k.key, /^[0-9a-f]{64}$/);
    assert.equal(readFileSync(k.source, 'utf8'), `${k.key}\n`);
    assert.equal(statSync(k.source).mode & 0o777, 0o600);
    const again = writerAuditKey({ auditDir });
    assert.deepEqual({ key: again.key, generated: again.generated }, { key: k.key, generated: false });
    assert.notEqual(writerAuditKey({ auditDir: join(tempDir(), 'audit') }).key, k.key, 'each key is random');
  });

  test('a key file is never replaced, not even by a racing first start', () => {
    const { auditDir } = setup();
    const a = writerAuditKey({ auditDir });
    const b = writerAuditKey({ auditDir });
    a.persist();
    assert.throws(() => b.persist(), /created by another process/);
    assert.equal(readFileSync(a.source, 'utf8'), `${a.key}\n`);
  });

  test('audit.hmac_key wins: no file is read or written', () => {
    const { auditDir } = setup();
    const k = writerAuditKey({ auditDir, hmacKey: 'configured-key-0123456789' });
    k.persist();
    assert.equal(k.key, 'configured-key-0123456789');
    assert.equal(existsSync(defaultKeyFile(auditDir)), false);
  });

  const refused: Array<[string, (base: string, auditDir: string) => { keyFile?: string }, RegExp]> = [
    ['inside the audit folder', (_b, d) => ({ keyFile: join(d, 'key') }), /inside audit\.dir/],
    ['the audit folder itself', (_b, d) => ({ keyFile: d }), /inside audit\.dir/],
    ['inside it through ..', (_b, d) => ({ keyFile: join(d, 'x', '..', 'key') }), /inside audit\.dir/],
    ['readable by the group', (b) => ({ keyFile: keyWithMode(b, 0o640) }), /chmod 600/],
    ['readable by everyone', (b) => ({ keyFile: keyWithMode(b, 0o644) }), /chmod 600/],
    ['too short', (b) => ({ keyFile: keyWithMode(b, 0o600, 'short') }), /fewer than 16/],
    ['a folder', (b) => (mkdirSync(join(b, 'dir.key')), { keyFile: join(b, 'dir.key') }), /not a regular file/],
  ];
  for (const [name, make, msg] of refused) {
    test(`a key file ${name} is refused, by writer and verifier`, () => {
      const { base, auditDir } = setup();
      const s = { auditDir, ...make(base, auditDir) };
      assert.throws(() => writerAuditKey(s), msg);
      assert.throws(() => verifierAuditKey(s), /inside audit\.dir|chmod 600|fewer than 16|not a regular file|does not exist/);
    });
  }

  test('verify never generates a key: without one it says how to give it', () => {
    const { auditDir } = setup();
    assert.throws(() => verifierAuditKey({ auditDir }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'WARDEN_E_CONFIG_INVALID');
      assert.match(e.message, /no audit key: .*audit\.key does not exist.*--key-file.*--unkeyed/);
      return true;
    });
    assert.equal(existsSync(defaultKeyFile(auditDir)), false);
  });

  test('verify options: --key-file reads that file, --unkeyed uses none, both together are refused', () => {
    const { base, auditDir } = setup();
    const path = keyWithMode(base, 0o600, 'elsewhere-key-0123456789');
    assert.equal(verifyKeyOption({ auditDir }, path, false), 'elsewhere-key-0123456789');
    assert.equal(verifyKeyOption({ auditDir, hmacKey: 'configured-key-0123456789' }, path, false), 'elsewhere-key-0123456789');
    assert.equal(verifyKeyOption({ auditDir, hmacKey: 'configured-key-0123456789' }, undefined, false), 'configured-key-0123456789');
    assert.equal(verifyKeyOption({ auditDir }, undefined, true), undefined);
    assert.throws(() => verifyKeyOption({ auditDir }, path, true), /exclude each other/);
  });

  test('error messages never hold the key', () => {
    const { base, auditDir } = setup();
    const secret = 'never-print-this-key-0123456789';
    const path = keyWithMode(base, 0o644, secret);
    try {
      writerAuditKey({ auditDir, keyFile: path });
      assert.fail('should refuse');
    } catch (e) {
      assert.ok(!(e as Error).message.includes(secret));
    }
  });
});

function keyWithMode(base: string, mode: number, content = '0123456789abcdef0123456789abcdef'): string {
  const p = join(base, `k-${mode.toString(8)}-${content.length}.key`);
  writeFileSync(p, `${content}\n`, { mode });
  chmodSync(p, mode);
  return p;
}
