/** `warden sessions replay <id>`: a recorded PostgreSQL session as a transcript (docs/postgres.md). */
import { searchAudit } from '../audit/query.js';
import { WardenError } from '../core/errors.js';
import { renderTranscript } from '../doors/postgres/transcript.js';

export interface SessionsContext {
  auditDir: string;
  out: (s: string) => void;
  err: (s: string) => void;
}

const SESSION_ID = /^pgs_[A-Za-z0-9]{1,64}$/;

export async function sessionsReplay(ctx: SessionsContext, id: string, o: { json?: boolean }): Promise<number> {
  if (!SESSION_ID.test(id)) throw new WardenError('WARDEN_E_USAGE', `"${id.slice(0, 80)}" is not a PostgreSQL session id (pgs_…; find them with \`warden audit search --door postgres\`)`);
  const records = (await searchAudit(ctx.auditDir, { door: 'postgres', sessionId: id }, 100_000)).sort((a, b) => a.seq - b.seq);
  if (!records.length) {
    ctx.err(`no recorded session ${id} in ${ctx.auditDir}\n`);
    return 1;
  }
  if (o.json) ctx.out(`${JSON.stringify(records.flatMap((r) => r.pg?.events ?? []))}\n`);
  else ctx.out(renderTranscript(records));
  return 0;
}
