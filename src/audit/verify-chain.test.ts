/**
 * The chain checker's verdicts, one crafted log per tamper shape: each row states the exact
 * problems (file, line, seq, kind, detail) and the checker's end state, so a change to how
 * an anomaly is classified, located or counted fails here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GENESIS, PLAIN, makeHasher, serializeRecord, type Hasher } from './format.js';
import { ChainChecker, type AuditProblem } from './verify-chain.js';
import { sampleRecord } from './fixtures/records.js';

const H = makeHasher();
const K = makeHasher('verify-chain-test-key');
const F = 'a.log';
const BOGUS = 'b'.repeat(64);

interface Rec { text: string; hash: string }
function rec(seq: number, prev: string, hasher: Hasher = H, i = seq): Rec {
  const { line, hash } = serializeRecord(sampleRecord(i), seq, prev, hasher);
  return { text: line.slice(0, -1), hash };
}
/** A well-formed chain r[1..n] (index 0 unused). */
function chain(n: number, hasher: Hasher = H): Rec[] {
  const out: Rec[] = [{ text: '', hash: GENESIS }];
  for (let s = 1; s <= n; s++) out.push(rec(s, out[s - 1]!.hash, hasher));
  return out;
}
/** Same bytes with one content byte changed: the stored hash no longer verifies. */
function edit(r: Rec): string {
  return r.text.replace('"POST"', '"PUSH"');
}
/** A line that is not JSON at all ('malformed'). */
const GARBAGE = 'not json';

interface Opts { max?: number; head?: { seq: number; hash: string } | null; keyed?: boolean; sealedUpTo?: number }
function run(lines: string[], o: Opts = {}) {
  const c = new ChainChecker(o.keyed ? K : H, o.max ?? 100, o.head?.seq, o.keyed ? PLAIN : undefined, o.sealedUpTo ?? 0);
  lines.forEach((l, i) => {
    const b = Buffer.from(l);
    c.line(F, i + 1, b, 0, b.length, true);
  });
  c.finish(o.head ?? null);
  return { problems: c.list(), omitted: c.omitted, records: c.records, expect: c.expect, tipUnknown: c.tipUnknown };
}
function p(line: number, seq: number | undefined, kind: AuditProblem['kind'], detail: string): AuditProblem {
  return { file: F, line, seq, kind, detail };
}

const r = chain(6);
const CONTENT = 'content does not match its hash (a byte of this record was changed)';
const NOTJSON = 'line is not valid JSON';
const AROUND = 'not part of the chain: the records around it link to each other, and its own hash does not verify';
const AFTERHEAD = 'not part of the chain: it follows the last record HEAD vouches for and its hash does not verify';

describe('ChainChecker: each tamper shape gets its exact kind, place and detail', () => {
  const rows: Array<{ name: string; lines: string[]; opts?: Opts; want: AuditProblem[]; records?: number; expect?: number; tipUnknown?: boolean; omitted?: number }> = [
    { name: 'intact chain', lines: [r[1]!.text, r[2]!.text, r[3]!.text], want: [], records: 3, expect: 4, tipUnknown: false },
    {
      name: 'first record does not link to genesis',
      lines: [rec(1, BOGUS).text],
      want: [p(1, 1, 'edited', 'prev does not link to the genesis value')],
    },
    {
      name: 'record rewritten and rehashed: blamed via the next link',
      lines: [r[1]!.text, rec(2, r[1]!.hash, H, 99).text, r[3]!.text],
      want: [p(2, 2, 'edited', `its hash is not the prev of seq 3 (${F}:3): this record was rewritten, or that link was`)],
    },
    {
      name: 'record edited in place (its slot)',
      lines: [r[1]!.text, edit(r[2]!), r[3]!.text],
      want: [p(2, 2, 'edited', CONTENT)], records: 3, expect: 4, tipUnknown: false,
    },
    {
      name: 'damaged line inserted between linked records',
      lines: [r[1]!.text, edit(r[5]!), r[2]!.text],
      want: [p(2, 5, 'inserted', `${CONTENT}; ${AROUND}`)], records: 3,
    },
    {
      name: 'two damaged lines inserted between linked records',
      lines: [r[1]!.text, edit(r[5]!), edit(r[6]!), r[2]!.text],
      want: [p(2, 5, 'inserted', `${CONTENT}; ${AROUND}`), p(3, 6, 'inserted', `${CONTENT}; ${AROUND}`)], records: 4,
    },
    {
      name: 'malformed line inserted between linked records keeps its kind',
      lines: [r[1]!.text, GARBAGE, r[2]!.text],
      want: [p(2, undefined, 'malformed', `${NOTJSON}; ${AROUND}`)], records: 2,
    },
    {
      name: 'malformed line, then a record at the expected seq with a foreign prev',
      lines: [r[1]!.text, GARBAGE, rec(2, BOGUS).text],
      want: [p(2, undefined, 'malformed', NOTJSON), p(1, 1, 'edited', `its hash is not the prev of seq 2 (${F}:3): this record was rewritten, or that link was`)],
    },
    {
      name: 'malformed line, then a record past a gap that links to the tip',
      lines: [r[1]!.text, GARBAGE, rec(3, r[1]!.hash).text],
      want: [p(2, undefined, 'malformed', NOTJSON)], expect: 4,
    },
    {
      name: 'one damaged line standing for two missing seqs',
      lines: [r[1]!.text, GARBAGE, r[4]!.text],
      want: [p(2, undefined, 'malformed', NOTJSON), p(3, 4, 'removed', 'record seq 3 is missing before this one')],
    },
    {
      name: 'two damaged lines, then the next seq (one slot)',
      lines: [r[1]!.text, GARBAGE, GARBAGE, rec(3, BOGUS).text],
      want: [p(2, undefined, 'malformed', NOTJSON), p(3, undefined, 'malformed', NOTJSON)], expect: 4,
    },
    {
      name: 'damaged line, then an old seq replayed',
      lines: [r[1]!.text, r[2]!.text, GARBAGE, r[1]!.text],
      want: [p(3, undefined, 'malformed', NOTJSON), p(4, 1, 'inserted', 'seq 1 already appeared earlier in the log')],
    },
    {
      name: 'two records removed',
      lines: [r[1]!.text, r[4]!.text],
      want: [p(2, 4, 'removed', '2 record(s) of seq 2..3 are missing before this one')],
    },
    {
      name: 'one record removed',
      lines: [r[1]!.text, r[3]!.text],
      want: [p(2, 3, 'removed', 'record seq 2 is missing before this one')],
    },
    {
      name: 'records swapped',
      lines: [r[1]!.text, r[3]!.text, r[2]!.text, r[4]!.text],
      want: [p(3, 2, 'reordered', 'seq 2 appears after seq 3')],
    },
    {
      name: 'one of two missing turns up later',
      lines: [r[1]!.text, r[4]!.text, r[2]!.text],
      want: [p(2, 4, 'removed', '1 record(s) of seq 2..3 are missing before this one'), p(3, 2, 'reordered', 'seq 2 appears after seq 4')],
    },
    {
      name: 'exact copy of the last record',
      lines: [r[1]!.text, r[2]!.text, r[2]!.text],
      want: [p(3, 2, 'inserted', 'seq 2 already appeared earlier in the log (a copy of it)')],
    },
    {
      name: 'second record with the last seq, linking to the one before',
      lines: [r[1]!.text, r[2]!.text, rec(2, r[1]!.hash, H, 77).text],
      want: [p(3, 2, 'inserted', 'a second record with seq 2 linking to seq 1: one of the two is forged')],
    },
    {
      name: 'second record with the last seq, then a record linking to neither',
      lines: [r[1]!.text, r[2]!.text, rec(2, r[1]!.hash, H, 77).text, rec(3, BOGUS).text],
      want: [
        p(3, 2, 'inserted', 'a second record with seq 2 linking to seq 1: one of the two is forged'),
        p(2, 2, 'edited', `its hash is not the prev of seq 3 (${F}:4): this record was rewritten, or that link was`),
      ],
    },
    {
      name: 'forged record taken first, the chain continues from the real one',
      lines: [r[1]!.text, rec(2, r[1]!.hash, H, 77).text, r[2]!.text, r[3]!.text],
      want: [p(2, 2, 'inserted', 'forged record: the chain continues from the other record with seq 2')],
    },
    {
      name: 'record with the last seq but a foreign prev',
      lines: [r[1]!.text, r[2]!.text, r[3]!.text, rec(3, BOGUS, H, 77).text],
      want: [p(4, 3, 'inserted', 'seq 3 already appeared earlier in the log')],
    },
    {
      name: 'old seq whose prev is the record before the tip',
      lines: [r[1]!.text, r[2]!.text, r[3]!.text, rec(1, r[2]!.hash, H, 77).text],
      want: [p(4, 1, 'inserted', 'seq 1 already appeared earlier in the log')],
    },
    {
      name: 'damaged trailing line past what HEAD vouches for',
      lines: [r[1]!.text, r[2]!.text, edit(r[3]!)],
      opts: { head: { seq: 2, hash: r[2]!.hash } },
      want: [p(3, 3, 'inserted', `${CONTENT}; ${AFTERHEAD}`)], records: 3, expect: 3, tipUnknown: false,
    },
    {
      name: 'damaged trailing line, no HEAD: it holds a slot',
      lines: [r[1]!.text, r[2]!.text, edit(r[3]!)],
      want: [p(3, 3, 'edited', CONTENT)], records: 3, expect: 4, tipUnknown: true,
    },
    {
      name: 'damaged trailing line, HEAD names another seq with the tip hash',
      lines: [r[1]!.text, r[2]!.text, edit(r[3]!)],
      opts: { head: { seq: 3, hash: r[2]!.hash } },
      want: [p(3, 3, 'edited', CONTENT)], expect: 4, tipUnknown: true,
    },
    {
      name: 'damaged trailing line, HEAD at the tip seq with another hash',
      lines: [r[1]!.text, r[2]!.text, edit(r[3]!)],
      opts: { head: { seq: 2, hash: BOGUS } },
      want: [p(3, 3, 'edited', CONTENT)], expect: 4, tipUnknown: true,
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const got = run(row.lines, row.opts);
      assert.deepEqual(got.problems, row.want);
      assert.equal(got.omitted, row.omitted ?? 0);
      if (row.records !== undefined) assert.equal(got.records, row.records, 'records');
      if (row.expect !== undefined) assert.equal(got.expect, row.expect, 'expect');
      if (row.tipUnknown !== undefined) assert.equal(got.tipUnknown, row.tipUnknown, 'tipUnknown');
    });
  }
});

describe('ChainChecker: keyed mode and the unkeyed prefix', () => {
  const k = chain(3, K);
  const u = chain(4, PLAIN);
  const FORGED = 'an unkeyed (plain SHA-256) record after keyed ones: written without the key, i.e. forged';
  const unsealed = (n: number, upTo: number) =>
    `${n} unkeyed (plain SHA-256) record(s) from here on that the key does not vouch for (no keyed record follows them and the keyed HEAD stops at seq ${upTo}): forged without the key, or written by a Warden that had no key`;
  const rows: Array<{ name: string; lines: string[]; opts: Opts; want: AuditProblem[]; records?: number }> = [
    { name: 'keyed chain', lines: [k[1]!.text, k[2]!.text], opts: { keyed: true }, want: [], records: 2 },
    {
      name: 'unkeyed record after a keyed one',
      lines: [k[1]!.text, rec(2, k[1]!.hash, PLAIN).text],
      opts: { keyed: true },
      want: [p(2, 2, 'edited', FORGED)], records: 2,
    },
    { name: 'unkeyed prefix sealed by HEAD', lines: [u[1]!.text, u[2]!.text], opts: { keyed: true, sealedUpTo: 2 }, want: [] },
    {
      name: 'unkeyed records past the sealed prefix',
      lines: [u[1]!.text, u[2]!.text, u[3]!.text, u[4]!.text],
      opts: { keyed: true, sealedUpTo: 2 },
      want: [p(3, 3, 'edited', unsealed(2, 2))],
    },
    {
      name: 'unkeyed prefix vouched for by a following keyed record',
      lines: [u[1]!.text, u[2]!.text, rec(3, u[2]!.hash, K).text],
      opts: { keyed: true },
      want: [],
    },
    {
      name: 'unsealed record and a damaged trailing line past HEAD',
      lines: [u[1]!.text, GARBAGE],
      opts: { keyed: true, head: { seq: 1, hash: u[1]!.hash } },
      want: [p(2, undefined, 'malformed', `${NOTJSON}; ${AFTERHEAD}`), p(1, 1, 'edited', unsealed(1, 0))],
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const got = run(row.lines, row.opts);
      assert.deepEqual(got.problems, row.want);
      if (row.records !== undefined) assert.equal(got.records, row.records, 'records');
    });
  }
});

describe('ChainChecker: the problem cap keeps counting what it drops', () => {
  test('problems past the cap are counted, not kept, and relabelling skips them', () => {
    const got = run([r[1]!.text, GARBAGE, GARBAGE, r[2]!.text], { max: 1 });
    assert.deepEqual(got.problems, [p(2, undefined, 'malformed', `${NOTJSON}; ${AROUND}`)]);
    assert.equal(got.omitted, 1);
  });
  test('a dropped gap that is fully reordered stops counting', () => {
    const got = run([rec(1, BOGUS).text, r[3]!.text, r[2]!.text], { max: 1 });
    assert.deepEqual(got.problems, [p(1, 1, 'edited', 'prev does not link to the genesis value')]);
    assert.equal(got.omitted, 1); // the 'reordered' one; the 'removed' one was withdrawn
  });
  test('a dropped gap that is partly reordered stays counted', () => {
    const got = run([rec(1, BOGUS).text, r[4]!.text, r[2]!.text], { max: 1 });
    assert.equal(got.problems.length, 1);
    assert.equal(got.omitted, 2);
  });
  test('a dropped contender relabelled as the forgery is not double counted', () => {
    const got = run([r[1]!.text, rec(2, r[1]!.hash, H, 77).text, r[2]!.text, r[3]!.text], { max: 0 });
    assert.deepEqual(got.problems, []);
    assert.equal(got.omitted, 1);
  });
  test('with no cap room a fully reordered gap nets one problem', () => {
    const got = run([r[1]!.text, r[3]!.text, r[2]!.text], { max: 0 });
    assert.equal(got.omitted, 1);
  });
});

describe('ChainChecker: reorder tracking stops at its bound', () => {
  for (const [gap, kind] of [[100_000, 'reordered'], [100_001, 'inserted']] as const) {
    test(`a gap of ${gap} seqs: a missing seq that turns up later is '${kind}'`, () => {
      const late = rec(gap + 2, BOGUS);
      const got = run([r[1]!.text, late.text, r[2]!.text]);
      const kinds = got.problems.map((x) => [x.line, x.kind]);
      assert.deepEqual(kinds, [[2, 'removed'], [3, kind]]);
      if (kind === 'reordered') assert.equal(got.problems[0]!.detail, `${gap - 1} record(s) of seq 2..${gap + 1} are missing before this one`);
    });
  }
});
