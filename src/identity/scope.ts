import { WardenError } from '../core/errors.js';
import { matchesAny } from './glob.js';

export interface ScopeViolation {
  rule: 'scope.key.models' | 'scope.consumer.models';
  reason: string;
}

/**
 * The model scope of a key and of its consumer (an empty scope allows all). The one place
 * it is decided: the LLM door and the policy engine's model-scope source both call it.
 */
export function modelScopeViolation(model: string, key: { id: string; models: readonly string[] } | undefined, consumer: { name: string; models: readonly string[] } | undefined): ScopeViolation | null {
  if (key && key.models.length && !matchesAny(model, key.models)) {
    return { rule: 'scope.key.models', reason: `model "${model}" is not allowed for key ${key.id}; allowed: ${key.models.join(', ')}` };
  }
  if (consumer && consumer.models.length && !matchesAny(model, consumer.models)) {
    return { rule: 'scope.consumer.models', reason: `model "${model}" is not allowed for consumer ${consumer.name}; allowed: ${consumer.models.join(', ')}` };
  }
  return null;
}

export function modelInScope(model: string, key: { id: string; models: readonly string[] }, consumer: { name: string; models: readonly string[] }): boolean {
  return modelScopeViolation(model, key, consumer) === null;
}

/** Throws WARDEN_E_MODEL_NOT_ALLOWED naming the model, the scope that refused and what it allows. */
export function assertModelInScope(model: string, key: { id: string; models: readonly string[] }, consumer: { name: string; models: readonly string[] }): void {
  const v = modelScopeViolation(model, key, consumer);
  if (v) throw new WardenError('WARDEN_E_MODEL_NOT_ALLOWED', v.reason, { rule: v.rule });
}
