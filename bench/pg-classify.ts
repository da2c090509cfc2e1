/**
 * PostgreSQL door micro-benchmark: parse + classify a statement (libpg-query wasm), a
 * classification served from the text cache, the statement decision (role preset + the
 * user's policy, CEL), a decision served from the session cache, and one DataRow masked.
 * Run: npx tsx bench/pg-classify.ts
 */
import { loadavg } from 'node:os';
import { perCall } from './lib/micro.js';
import { policySchema } from '../src/policy/config.js';
import { compilePolicy } from '../src/policy/engine.js';
import { classifySql, loadSqlParser, SqlClassifier } from '../src/doors/postgres/sql/index.js';
import { compileStatementPolicy, decideStatements, SessionDecisionCache, statementPolicySchema } from '../src/doors/postgres/policy/index.js';
import { buildDataRow, buildRowDescription, createMasking, maskingSchema, NO_COLUMNS } from '../src/doors/postgres/mask/index.js';

await loadSqlParser();

function measure(label: string, fn: (i: number) => void, inner = 500, samples = 60): number {
  return perCall(label, fn, { inner, samples }).cpu;
}

const PGBENCH = (i: number) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${i};`;
const CTE = 'WITH recent AS (SELECT o.id, o.customer_id, o.total FROM orders o WHERE o.created_at > now() - interval \'7 days\'), big AS (SELECT customer_id, sum(total) AS s FROM recent GROUP BY 1 HAVING sum(total) > 1000) SELECT c.name, c.email, b.s FROM customers c JOIN big b ON b.customer_id = c.id ORDER BY b.s DESC LIMIT 20';
const IN_LIST = (n: number) => `SELECT * FROM t WHERE id IN (${Array.from({ length: n }, (_, i) => i).join(',')})`;

let sink = 0;
measure('parse+classify: pgbench -S statement (every literal new)', (i) => (sink += classifySql(PGBENCH(i)).statements.length));
measure(`parse+classify: ${CTE.length}-character CTE`, () => (sink += classifySql(CTE).statements.length), 200);
measure('parse+classify: 1,000-element IN list (3.9 KB)', () => (sink += classifySql(IN_LIST(1000)).statements.length), 20, 20);
measure('parse+classify: 10,000-element IN list (49 KB)', () => (sink += classifySql(IN_LIST(10_000)).statements.length), 2, 10);
const big = IN_LIST(100_000);
measure('refusal by size: 100,000-element IN list (589 KB)', () => (sink += classifySql(big).refused ? 1 : 0), 50, 20);

const classifier = new SqlClassifier();
const texts = Array.from({ length: 256 }, (_, i) => PGBENCH(i));
for (const t of texts) classifier.classify(t);
measure('cache hit: SqlClassifier.classify, same text', (i) => (sink += classifier.classify(texts[i & 255]!).statements.length), 20_000);

const sp = compileStatementPolicy(statementPolicySchema.parse({}));
const policy = compilePolicy(policySchema.parse({ rules: [{ id: 'audit', when: 'sql.statements.exists(s, s.effect == "write" && "audit_log" in s.tables)' }] }));
const consumer = { name: 'rita', groups: ['data-reader'], labels: {}, models: [] };
const classified = texts.map((t) => classifier.classify(t));
measure('decideStatements: preset + 1 CEL rule', (i) => {
  const v = decideStatements(sp, policy, consumer, classified[i & 255]!);
  if (v instanceof Promise) throw new Error('no OPA here');
  sink += v.decision.outcome.length;
}, 5000);
const session = new SessionDecisionCache();
measure('decision cache hit: SessionDecisionCache.decide', (i) => {
  const v = session.decide(sp, policy, consumer, classified[i & 255]!);
  if (v instanceof Promise) throw new Error('no OPA here');
  sink += v.decision.outcome.length;
}, 20_000);

const masking = createMasking(maskingSchema.parse({}));
const masker = masking.forSession(NO_COLUMNS)!;
const plan = masker.describe(buildRowDescription([
  { name: 'id', tableOid: 16384, columnNumber: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
  { name: 'name', tableOid: 16384, columnNumber: 2, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 },
  { name: 'note', tableOid: 16384, columnNumber: 3, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 },
]).subarray(5));
const clean = buildDataRow([Buffer.from('42'), Buffer.from('Alice Example'), Buffer.from('ordered two boxes on Tuesday, delivered')]).subarray(5);
const dirty = buildDataRow([Buffer.from('42'), Buffer.from('Alice Example'), Buffer.from('card 4111 1111 1111 1111, mail alice@example.com')]).subarray(5);
measure('mask DataRow: 3 text cells, nothing found', () => (sink += masker.maskRow(plan, clean) ? 1 : 0), 5000);
measure('mask DataRow: 3 text cells, a card and an e-mail masked', () => (sink += masker.maskRow(plan, dirty) ? 1 : 0), 5000);

console.log(`node ${process.version}, load ${loadavg()[0]!.toFixed(1)}, sink ${sink % 7}`);
