/**
 * Opens the audit log as configured, for the gateway: resolves the key (generating the key
 * file on the first start) and turns the writer's events into error log lines and metrics,
 * so evidence of tampering is never only a file an operator might not look at.
 */
import { resolve } from 'node:path';
import { openAuditLog, type AuditLog } from './chain-writer.js';
import { isAuditAlarm, type AuditEvent } from './events.js';
import { writerAuditKey } from './key-file.js';
import { workerAuditDir } from './chains.js';
import { workerSlot } from '../runtime/workers/slot.js';

export interface AuditSettings {
  dir: string;
  max_file_bytes: number;
  hmac_key?: string | undefined;
  key_file?: string | undefined;
  fsync: 'never' | 'always';
}

export interface AuditReporting {
  log: { info(msg: string, f?: Record<string, unknown>): void; warn(msg: string, f?: Record<string, unknown>): void; error(msg: string, f?: Record<string, unknown>): void };
  /** warden_audit_events_total{kind} */
  events: { inc(labels: readonly string[]): void };
  /** warden_audit_head_set_aside_total */
  headSetAside: { inc(labels: readonly string[]): void };
}

export function openConfiguredAuditLog(cfg: AuditSettings, baseDir: string, r: AuditReporting): AuditLog {
  const dir = resolve(baseDir, cfg.dir);
  const key = writerAuditKey({ hmacKey: cfg.hmac_key, keyFile: cfg.key_file === undefined ? undefined : resolve(baseDir, cfg.key_file), auditDir: dir });
  const onEvent = (e: AuditEvent) => {
    r.events.inc([e.kind]);
    if (e.kind === 'head_set_aside' || (e.kind === 'head_replaced' && e.detail.includes('set aside'))) r.headSetAside.inc([]);
    if (isAuditAlarm(e)) r.log.error(e.detail, { audit_event: e.kind, file: e.file });
    else r.log.info(e.detail, { audit_event: e.kind, file: e.file });
  };
  // Only the start that generates the key may adopt a log written without one (see adoptUnkeyed).
  // Under `--workers N` each worker writes its own chain (a chain has one writer); the key is shared.
  const slot = workerSlot();
  const log = openAuditLog({ dir: slot === undefined ? dir : workerAuditDir(dir, slot), maxFileBytes: cfg.max_file_bytes, hmacKey: key.key, fsync: cfg.fsync, onEvent, adoptUnkeyed: key.generated });
  try {
    key.persist();
  } catch (e) {
    log.close();
    throw e;
  }
  if (key.generated) {
    r.log.warn('audit HMAC key generated: keep a copy somewhere safe (verify needs it; whoever holds it can forge records)', { key_file: key.source });
  }
  return log;
}
