import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import { argvOf } from './main.js';

// Values that start with `-` must reach the command functions as values: their parseArgs
// refuses `--args -rf` but takes `--args=-rf`.
test('argvOf hands option values and operands on so parseArgs reads them as given', () => {
  const rows: Array<[argv: string[], values: Record<string, unknown>, positionals: string[]]> = [
    [['--args', '-rf /', '--note', '-1'], { args: '-rf /', note: '-1' }, []],
    [['--note', 'plain', '--json'], { note: 'plain', json: true }, []],
    [['--note=--x', 'apr_1'], { note: '--x' }, ['apr_1']],
    [['--', '-odd-id'], {}, ['-odd-id']],
  ];
  for (const [argv, values, positionals] of rows) {
    let seen: string[] = [];
    const cmd = new Command('x').exitOverride().option('--args <v>').option('--note <v>').option('--json').argument('[id]').action((_id, _o, c: Command) => { seen = argvOf(c); });
    cmd.parse(argv, { from: 'user' });
    const parsed = parseArgs({ args: seen, allowPositionals: true, options: { args: { type: 'string' }, note: { type: 'string' }, json: { type: 'boolean' } } });
    assert.deepEqual({ ...parsed.values }, values, argv.join(' '));
    assert.deepEqual(parsed.positionals, positionals, argv.join(' '));
  }
});
