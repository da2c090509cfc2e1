/**
 * Model scope source: the model globs of the key and of the consumer. Evaluated first —
 * it is tied to the credential itself — and only for requests that name a model.
 */
import { matchesAny } from '../identity/glob.js';
import type { Decision } from './decision.js';
import type { DecisionDocument } from './document.js';

export function evaluateModelScope(doc: DecisionDocument): Decision | null {
  const model = doc.llm?.model;
  if (!model) return null;
  const key = doc.key;
  if (key && key.models.length && !matchesAny(model, key.models)) {
    return {
      outcome: 'deny',
      rule: 'scope.key.models',
      code: 'WARDEN_E_MODEL_NOT_ALLOWED',
      status: 403,
      reason: `model "${model}" is not allowed for key ${key.id}; allowed: ${key.models.join(', ')}`,
    };
  }
  const c = doc.consumer;
  if (c && c.models.length && !matchesAny(model, c.models)) {
    return {
      outcome: 'deny',
      rule: 'scope.consumer.models',
      code: 'WARDEN_E_MODEL_NOT_ALLOWED',
      status: 403,
      reason: `model "${model}" is not allowed for consumer ${c.name}; allowed: ${c.models.join(', ')}`,
    };
  }
  return null;
}
