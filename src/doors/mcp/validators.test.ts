import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateArguments } from './validators.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'warden-validators-')));
mkdirSync(join(dir, 'root', 'sub'), { recursive: true });
writeFileSync(join(dir, 'root', 'a.txt'), 'a');
writeFileSync(join(dir, 'secret.txt'), 's');
symlinkSync(join(dir, 'secret.txt'), join(dir, 'root', 'out-link'));
symlinkSync(join(dir), join(dir, 'root', 'dir-link'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const paths = [{ tools: ['fs__*'], paths: { arguments: ['path', 'paths'], roots: [join(dir, 'root')] } }];
const check = (args: Record<string, unknown>, v = paths, max = 10_000) => validateArguments('fs__read', args, Buffer.byteLength(JSON.stringify(args)), v, max);
const refused = (args: Record<string, unknown>, re: RegExp) => assert.throws(() => check(args), (e: any) => e.code === 'WARDEN_E_MCP_ARGUMENT_REFUSED' && re.test(e.message), JSON.stringify(args));

test('paths inside the root pass, existing or to be created, one or a list', () => {
  check({ path: join(dir, 'root', 'a.txt') });
  check({ path: join(dir, 'root', 'sub', 'new', 'file.txt') });
  check({ path: join(dir, 'root') });
  check({ paths: [join(dir, 'root', 'a.txt'), join(dir, 'root', 'sub')] });
  check({ other: '/etc/passwd' });
});

test('outside, traversal, symlinks out, relative, NUL, a sibling with the root as prefix: refused', () => {
  refused({ path: join(dir, 'secret.txt') }, /outside the allowed roots/);
  refused({ path: `${join(dir, 'root')}/../secret.txt` }, /"\.\."/);
  refused({ path: `${join(dir, 'root')}/sub/../a.txt` }, /"\.\."/);
  refused({ path: join(dir, 'root', 'out-link') }, /outside the allowed roots/);
  refused({ path: join(dir, 'root', 'dir-link', 'secret.txt') }, /outside the allowed roots/);
  refused({ path: 'root/a.txt' }, /absolute path/);
  refused({ path: `${join(dir, 'root', 'a.txt')}\0` }, /NUL/);
  refused({ path: `${join(dir, 'root')}-other/x` }, /outside the allowed roots/);
  refused({ path: 42 }, /path string/);
  refused({ paths: [join(dir, 'root', 'a.txt'), '/etc/passwd'] }, /outside/);
});

test('URLs: allow-list on the normalised URL, http(s) only, no credentials in it', () => {
  const v = [{ tools: ['fs__*'], urls: { arguments: ['url'], allow: ['https://docs.example.com/*'] } }];
  check({ url: 'https://docs.example.com/a' }, v as never);
  check({ url: 'HTTPS://DOCS.EXAMPLE.COM/a' }, v as never);
  for (const [url, re] of [['https://docs.example.com.evil.test/a', /allow-list/], ['https://evil.test/?https://docs.example.com/', /allow-list/], ['file:///etc/passwd', /http and https/], ['https://u:p@docs.example.com/a', /user:password/], ['not a url', /valid URL/]] as const) {
    assert.throws(() => check({ url }, v as never), re, url);
  }
});

test('sizes: the door-wide bound and a tool\'s own', () => {
  assert.throws(() => check({ path: 'x'.repeat(200) }, [], 100), /mcp\.max_argument_bytes/);
  const v = [{ tools: ['fs__*'], max_argument_bytes: 50 }];
  assert.throws(() => check({ data: 'x'.repeat(60) }, v as never), /this tool's limit/);
  check({ data: 'x' }, v as never);
});
