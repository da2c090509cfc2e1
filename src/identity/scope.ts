import { WardenError } from '../core/errors.js';
import type { Consumer, KeyInfo } from '../core/exchange.js';
import { matchesAny } from './glob.js';

/** True when both the key's and the consumer's model scopes allow `model` (an empty scope allows all). */
export function modelInScope(model: string, key: KeyInfo, consumer: Consumer): boolean {
  return (key.models.length === 0 || matchesAny(model, key.models)) && (consumer.models.length === 0 || matchesAny(model, consumer.models));
}

/** Throws WARDEN_E_MODEL_NOT_ALLOWED naming the model, the scope that refused and what it allows. */
export function assertModelInScope(model: string, key: KeyInfo, consumer: Consumer): void {
  if (key.models.length && !matchesAny(model, key.models)) {
    throw new WardenError('WARDEN_E_MODEL_NOT_ALLOWED', `model "${model}" is not allowed for key ${key.id}; allowed: ${key.models.join(', ')}`, { rule: 'scope.key.models' });
  }
  if (consumer.models.length && !matchesAny(model, consumer.models)) {
    throw new WardenError('WARDEN_E_MODEL_NOT_ALLOWED', `model "${model}" is not allowed for consumer ${consumer.name}; allowed: ${consumer.models.join(', ')}`, { rule: 'scope.consumer.models' });
  }
}
