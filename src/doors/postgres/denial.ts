/**
 * How a refused statement reaches the client without desynchronising anything: instead of
 * the statement, Warden forwards a *marker* that the server rejects at once (a syntax
 * error), so the server does exactly what it does for any failed statement — aborts the
 * transaction block if one is open, skips the rest of an extended batch until Sync, drops
 * the unnamed statement — and sends one ErrorResponse and one ReadyForQuery. Warden
 * replaces that error with its own (SQLSTATE 42501). Client and server see the same state.
 */
import { cstr, errorResponse, message, query } from './wire/build.js';
import type { StatementVerdict } from './ports.js';

const MARKER_SQL = 'WARDEN_DENIED_STATEMENT';
/** The marker's error: a syntax error at position 1. */
export const MARKER_SQLSTATE = '42601';

export const MARKER_QUERY = query(MARKER_SQL);
export const MARKER_PARSE = message('P', Buffer.concat([cstr(''), cstr(MARKER_SQL), Buffer.from([0, 0])]));

export const INSUFFICIENT_PRIVILEGE = '42501';

export interface Denial {
  error: Buffer;
}

/** An approval runs once: a replay is told which approval already ran, when and in which session. */
function executedBefore(v: StatementVerdict): string {
  const x = v.alreadyExecuted;
  return x ? `approval ${x.approval} was already executed at ${new Date(x.at).toISOString()} by session ${x.by ?? '?'} and runs once (WARDEN_E_APPROVAL_EXECUTED); ` : '';
}

export function denialFor(v: StatementVerdict): Denial {
  if (v.outcome === 'ask' && v.approval) {
    const where = v.reviewUrl ? ` or at ${v.reviewUrl}` : '';
    return {
      error: errorResponse({
        severity: 'ERROR',
        code: INSUFFICIENT_PRIVILEGE,
        message: `Warden: ${executedBefore(v)}this statement needs approval ${v.approval} (rule ${v.rule}): ${v.reason}`,
        detail: `approval_id=${v.approval}`,
        hint: `a reviewer (not you) answers it with \`warden approvals approve ${v.approval}\`${where}; then send the identical statement again — it runs once`,
      }),
    };
  }
  return { error: errorResponse({ severity: 'ERROR', code: INSUFFICIENT_PRIVILEGE, message: `Warden denied this statement (rule ${v.rule}): ${executedBefore(v)}${v.reason}` }) };
}

export function deniedWith(message: string): Denial {
  return { error: errorResponse({ severity: 'ERROR', code: INSUFFICIENT_PRIVILEGE, message }) };
}

/** A Bind of a statement name this session never parsed: the server's own words and SQLSTATE (26000). */
export function unknownStatement(name: string): Denial {
  return {
    error: errorResponse({
      severity: 'ERROR',
      code: '26000',
      message: name === '' ? 'unnamed prepared statement does not exist' : `prepared statement ${JSON.stringify(name)} does not exist`,
      hint: 'Warden runs only statements prepared with a Parse message in this session (docs/postgres.md#statements)',
    }),
  };
}
