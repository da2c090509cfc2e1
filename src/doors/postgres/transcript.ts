/**
 * A recorded PostgreSQL session as a readable transcript (`warden sessions replay <id>`):
 * one line per event, in order, from the session's audit records. Control characters in
 * recorded texts are shown escaped (threat: a statement forging transcript lines or
 * terminal escapes).
 */
import type { ChainedRecord } from '../../audit/types.js';

function clean(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?').replace(/\n/g, '\n    ');
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** An approval used up by this execution, or one a replay found already executed. */
function executed(e: Record<string, unknown>): string {
  if (typeof e.executed === 'number') return ` · approval ${String(e.approval ?? '')} executed now (it runs once)`;
  if (e.already_executed) return ` (approval ${String(e.already_executed)} was already executed)`;
  return '';
}

function line(e: Record<string, unknown>): string {
  const s = (k: string) => (e[k] === undefined || e[k] === null ? '' : String(e[k]));
  switch (e.kind) {
    case 'open':
      return `session opened from ${s('remote')} to database ${s('database')} as role ${s('role')}${e.grant ? ` (grant ${s('grant')})` : ''}${e.tls ? ' over TLS' : ''}${e.application ? `, application ${s('application')}` : ''}`;
    case 'query':
      return `query   ${s('sql')}`;
    case 'parse':
      return `parse   ${e.name ? `[${s('name')}] ` : ''}${s('sql')}`;
    case 'bind':
      return `bind    portal "${s('portal')}" ← statement "${s('statement')}" (${s('params')} parameters)`;
    case 'execute':
      return `execute portal "${s('portal')}"${e.max_rows ? ` max ${s('max_rows')} rows` : ''}`;
    case 'decision':
      return `${s('outcome').padEnd(7)} ${s('rule')}${e.reason ? `: ${s('reason')}` : ''}${Array.isArray(e.kinds) && e.kinds.length ? ` [${(e.kinds as string[]).join(', ')}]` : ''}${executed(e)}`;
    case 'approval':
      return `approval ${s('approval')} → ${s('outcome')}${executed(e)}`;
    case 'result': {
      const m = e.masked as { cells?: number; nulled?: number } | undefined;
      return `result  ${s('tag')}, ${s('rows')} rows${m ? `, ${m.cells ?? 0} cells masked, ${m.nulled ?? 0} nulled` : ''}`;
    }
    case 'error':
      return `error   ${e.code ? `${s('code')} ` : ''}${s('message')}`;
    case 'function':
      return 'function call refused';
    case 'close':
      return `session closed: ${s('reason')}`;
    default:
      return `${s('kind')} ${JSON.stringify(e)}`;
  }
}

/** The transcript of one session's records (already filtered to the session, in log order). */
export function renderTranscript(records: readonly ChainedRecord[]): string {
  const first = records[0];
  if (!first) return '';
  const out = [`session ${first.pg?.session ?? first.session_id} · consumer ${first.consumer ?? '-'}${first.key_id ? ` · key ${first.key_id}` : ''} · ${first.route}`];
  for (const r of records) for (const e of r.pg?.events ?? []) out.push(`${time(e.at)}  ${clean(line(e))}`);
  return `${out.join('\n')}\n`;
}
