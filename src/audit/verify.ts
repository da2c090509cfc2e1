/**
 * `warden audit verify`: walks every audit file line by line (constant memory, however
 * large the log) and checks each record's hash, the seq/prev chain across files, and the
 * end of the chain against HEAD.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_FILE, MISSING_HEAD_MARK, listAuditFiles, listLostHeads } from './files.js';
import { GENESIS, PLAIN, makeHasher, type Hasher } from './format.js';
import { headMacOk, parseHead, readHead, type HeadRead } from './head-file.js';
import { forEachLineSync } from './lines.js';
import { ChainChecker, type AuditProblem } from './verify-chain.js';

export type { AuditProblem, ProblemKind } from './verify-chain.js';

export interface VerifyOptions {
  /** The key the log was written with; without it the log must be an unkeyed (SHA-256) one. */
  hmacKey?: string;
  /** Problems listed before the rest are only counted (a wrong key makes every record one). */
  maxProblems?: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Lines that were records (valid or not); torn and malformed lines are not counted. */
  records: number;
  files: number;
  /** The last seq of the chain as read. */
  lastSeq: number;
  problems: AuditProblem[];
  /** Problems past maxProblems, counted but not listed. */
  problemsOmitted: number;
}

export function verifyAuditLog(dir: string, opts: VerifyOptions = {}): VerifyResult {
  if (!existsSync(dir)) {
    const problems: AuditProblem[] = [{ file: dir, line: 0, kind: 'truncated', detail: 'the audit folder does not exist' }];
    return { ok: false, records: 0, files: 0, lastSeq: 0, problems, problemsOmitted: 0 };
  }
  const hasher = makeHasher(opts.hmacKey);
  const head = readHead(join(dir, HEAD_FILE));
  const vouched = head.state === 'ok' && head.head.alg === hasher.alg && headMacOk(head.head, hasher) ? head.head : null;
  // Keyed: records from before the key may form a prefix the key seals (see ChainChecker).
  const keyed = hasher.alg === 'hmac-sha256';
  const checker = new ChainChecker(hasher, opts.maxProblems ?? 1000, head.state === 'ok' ? head.head.seq : undefined, keyed ? PLAIN : undefined, keyed && vouched ? vouched.seq : 0);
  const files = listAuditFiles(dir);
  for (const f of files) {
    forEachLineSync(f.path, (buf, start, end, lineNo, terminated) => {
      checker.line(f.name, lineNo, buf, start, end, terminated);
    });
  }
  checker.finish(vouched);
  checkHead(checker, head, hasher);
  for (const name of listLostHeads(dir)) {
    const bytes = readFileSync(join(dir, name));
    const old = parseHead(bytes);
    const said = old.state === 'ok' ? `it said seq ${old.head.seq}` : bytes.toString('latin1') === MISSING_HEAD_MARK ? 'HEAD was missing: deleted, maybe with records after it' : 'it was unreadable';
    checker.push({
      file: name,
      line: 1,
      kind: 'truncated',
      detail: `the writer set aside a HEAD the records do not reach or match (${said}): records were cut off, replaced or lost in a power failure, or HEAD was replaced; remove this file once investigated`,
    });
  }
  const problems = checker.list();
  return { ok: problems.length === 0 && checker.omitted === 0, records: checker.records, files: files.length, lastSeq: checker.expect - 1, problems, problemsOmitted: checker.omitted };
}

function checkHead(c: ChainChecker, head: HeadRead, hasher: Hasher): void {
  const alg = hasher.alg;
  const at = { file: HEAD_FILE, line: 1 };
  const lastSeq = c.expect - 1;
  if (head.state === 'missing') {
    if (lastSeq > 0) c.push({ ...at, kind: 'truncated', detail: 'HEAD is missing: the end of the log cannot be checked (was it deleted?)' });
    return;
  }
  if (head.state === 'malformed') {
    c.push({ ...at, kind: 'malformed', detail: head.detail });
    return;
  }
  const h = head.head;
  if (h.alg !== alg) {
    c.push({ ...at, kind: 'malformed', detail: `the log is ${h.alg} but was verified as ${alg}: ${h.alg === 'hmac-sha256' ? 'pass the HMAC key' : 'HEAD is unkeyed, so either the log was written without a key (a Warden with the key seals it on its next start) or HEAD was replaced'}` });
  } else if (!headMacOk(h, hasher)) {
    c.push({ ...at, kind: 'edited', detail: 'the HEAD MAC does not verify: HEAD was rewritten, or the key is wrong' });
  }
  if (h.seq > lastSeq) {
    c.push({ ...at, seq: h.seq, kind: 'truncated', detail: `HEAD records seq ${h.seq} but the log ends at seq ${lastSeq}: ${h.seq - lastSeq} record(s) are missing from the end` });
    return;
  }
  const seen = h.seq === 0 ? GENESIS : h.seq === lastSeq ? (c.tipUnknown ? undefined : c.tip) : c.headSeenHash;
  if (seen !== undefined && seen !== h.hash) {
    c.push({ ...at, seq: h.seq, kind: 'edited', detail: `the record with seq ${h.seq} is not the one HEAD recorded: the end of the log was replaced` });
  }
}
