/**
 * Approvals: the human answer to a policy "ask". SQLite is the embedded backend; a
 * PostgreSQL backend implements the same (asynchronous) interface for the scale-out path.
 */
/**
 * `executed`: an approved one-time approval (a PostgreSQL statement) that ran; it never
 * answers another request (the human's answer, `decidedBy`, stays recorded beside it).
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'executed';

export interface Approval {
  id: string;
  consumer: string;
  door: string;
  /** What was asked, for the approver to read (method and path, tool and arguments, …). */
  summary: string;
  /** Id of the rule that asked. */
  rule: string;
  /** Hash of the decision-relevant facts: an identical request has the same one. */
  fingerprint: string;
  status: ApprovalStatus;
  /** Who may approve, as named by the rule: admin key names, groups or `role:<role>`; empty: any approver. */
  approvers: string[];
  created: number;
  /** Pending: until when it waits. Approved or denied: until when the answer holds. */
  expires: number;
  /** How long an approval holds once given (`policy.approvals.grant_ttl_ms` when it was asked). */
  grantTtlMs: number;
  decidedAt: number | null;
  /** Name of the admin identity that decided (never a consumer of the request). */
  decidedBy: string | null;
  /** Its role when it decided. */
  decidedRole: string | null;
  /** How it decided: `admin-api` or `cli`. */
  decidedVia: string | null;
  note: string | null;
  /**
   * The key id of the request that asked (`key_…`, or `oidc_…` for an OIDC token: a hash of
   * its issuer and subject); null for approvals made before it was recorded. An OIDC approver
   * whose own requests carry this id cannot answer it.
   */
  requesterKey: string | null;
  /** When a one-time approval ran (status `executed`), and which session ran it (`pgs_…`). */
  executedAt: number | null;
  executedBy: string | null;
}

/** One attempt to answer an approval, decided or refused: the trail the audit log receives. */
export interface ApprovalEvent {
  /** Order of the events in the store. */
  seq: number;
  approval: string;
  at: number;
  /** Name the actor authenticated as, or `unauthenticated`. */
  actor: string;
  role: string | null;
  /** `door`: the execution of a one-time approval by the door that ran the request (the actor is the consumer). */
  via: 'admin-api' | 'cli' | 'door';
  action: 'approve' | 'deny' | 'execute';
  outcome: 'approved' | 'denied' | 'refused' | 'executed';
  /** Catalogue code of a refusal. */
  code: string | null;
  reason: string;
  /** The consumer that asked, and the rule that asked (null when the approval is unknown). */
  consumer: string | null;
  rule: string | null;
}

export interface NewApproval {
  consumer: string;
  door: string;
  summary: string;
  rule: string;
  fingerprint: string;
  approvers: string[];
  created: number;
  expires: number;
  grantTtlMs: number;
  requesterKey?: string | null;
}

export interface ApprovalFilter {
  status?: ApprovalStatus;
  consumer?: string;
  /** Include approvals past their expiry (default: only live ones). */
  includeExpired?: boolean;
  now?: number;
}

export interface ApprovalStore {
  create(a: NewApproval): Promise<Approval>;
  get(id: string): Promise<Approval | undefined>;
  /** The live (unexpired, not executed) approval for this consumer and fingerprint: an answered one first, else the newest pending. */
  findLive(consumer: string, fingerprint: string, now: number): Promise<Approval | undefined>;
  list(filter?: ApprovalFilter): Promise<Approval[]>;
  /**
   * Answers a pending, unexpired approval. Returns the updated approval, or undefined when
   * there is no such pending approval (unknown id, already answered, expired).
   */
  decide(
    id: string,
    answer: { status: 'approved' | 'denied'; by: string; role?: string; via?: string; note?: string; expires: number; now: number },
    /** Recorded in the same transaction as the answer, so no decision is missing from the trail. */
    event?: Omit<ApprovalEvent, 'seq'>,
  ): Promise<Approval | undefined>;
  recordEvent(e: Omit<ApprovalEvent, 'seq'>): Promise<ApprovalEvent>;
  /**
   * Marks an approved, unexpired approval executed by `by` (a session id) — a one-time
   * approval such as the PostgreSQL door's statement. Exactly one caller gets the executed
   * approval back; every other gets undefined. An executed approval is never live again.
   * The execution is an event of the approval's trail (action `execute`, via `door`), in the same transaction.
   */
  execute(id: string, by: string, now: number, door?: string): Promise<Approval | undefined>;
  /** The newest executed approval for this consumer and fingerprint whose answer still holds (`expires` > now). */
  findExecuted(consumer: string, fingerprint: string, now: number): Promise<Approval | undefined>;
  /** The events of one approval, oldest first. */
  events(approval: string): Promise<ApprovalEvent[]>;
  /**
   * Takes up to `limit` events not yet written to an audit log and marks them written, in
   * one transaction, so two processes never both audit the same event.
   */
  claimUnaudited(limit: number): Promise<ApprovalEvent[]>;
  close(): void;
}
