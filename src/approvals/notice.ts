/**
 * What the agent is told about a pending approval: that a human must review it and where,
 * never how to approve it. An agent that can run shell commands would run any approval
 * command it was handed (seed 002: the requester must not be the approver).
 */
export function pendingApprovalNotice(id: string, reviewUrl: string | undefined): string {
  const where = reviewUrl ? `a Warden approver reviews it at ${reviewUrl}` : 'ask a Warden approver to review it';
  return `approval ${id} is pending: ${where}`;
}
