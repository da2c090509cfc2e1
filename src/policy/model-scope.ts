/**
 * Model scope source: the model globs of the key and of the consumer. Evaluated first —
 * it is tied to the credential itself — and only for requests that name a model.
 */
import { modelScopeViolation } from '../identity/scope.js';
import type { Decision } from './decision.js';
import type { DecisionDocument } from './document.js';

export function evaluateModelScope(doc: DecisionDocument): Decision | null {
  const model = doc.llm?.model;
  if (!model) return null;
  const v = modelScopeViolation(model, doc.key ?? undefined, doc.consumer ?? undefined);
  return v && { outcome: 'deny', rule: v.rule, code: 'WARDEN_E_MODEL_NOT_ALLOWED', status: 403, reason: v.reason };
}
