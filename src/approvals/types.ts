/**
 * Approvals: the human answer to a policy "ask". SQLite is the embedded backend; a
 * PostgreSQL backend implements the same (asynchronous) interface for the scale-out path.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied';

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
  /** Who may approve, as named by the rule (informational). */
  approvers: string[];
  created: number;
  /** Pending: until when it waits. Approved or denied: until when the answer holds. */
  expires: number;
  /** How long an approval holds once given (`policy.approvals.grant_ttl_ms` when it was asked). */
  grantTtlMs: number;
  decidedAt: number | null;
  decidedBy: string | null;
  note: string | null;
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
  /** The live (unexpired) approval for this consumer and fingerprint: an answered one first, else the newest pending. */
  findLive(consumer: string, fingerprint: string, now: number): Promise<Approval | undefined>;
  list(filter?: ApprovalFilter): Promise<Approval[]>;
  /**
   * Answers a pending, unexpired approval. Returns the updated approval, or undefined when
   * there is no such pending approval (unknown id, already answered, expired).
   */
  decide(id: string, answer: { status: 'approved' | 'denied'; by: string; note?: string; expires: number; now: number }): Promise<Approval | undefined>;
  close(): void;
}
