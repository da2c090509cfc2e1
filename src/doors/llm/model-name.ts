import { WardenError } from '../../core/errors.js';
import { createSecretDetector } from '../../guards/detectors/secrets/index.js';
import type { Detector } from '../../guards/detectors/types.js';

/**
 * What a model name may look like. Real ids: `claude-sonnet-4-5-20250929`,
 * `claude-3-5-haiku-latest`, Bedrock `us.anthropic.claude-3-5-sonnet-20241022-v2:0` and
 * ARNs (`arn:aws:bedrock:…:application-inference-profile/…`), Vertex `claude-…@20241022`,
 * Claude Code's `claude-opus-4-8[1m]` (which it normally strips). The name lands in the
 * audit record, metrics, usage rows and the provider request, so anything else — spaces,
 * control characters, unicode, a credential pasted as a model — is refused up front.
 */
export const MODEL_NAME_MAX = 128;
const SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:@/[\]-]*$/;
/** Longer runs of letters and digits are hashes and tokens; real ids' longest run is a date (8). */
const LONG_RUN = /[A-Za-z0-9]{33}/;

let secrets: Detector | undefined;
/** Names already judged fine; bounded, as clients choose them. */
const accepted = new Set<string>();
const ACCEPTED_MAX = 1000;

/** Compiles the secret rules now (~200 ms once per process) rather than on the first request. */
export function prepareModelNameCheck(): void {
  secrets ??= createSecretDetector();
}

/** Throws WARDEN_E_MODEL_INVALID naming the rule broken; the message never repeats the value. */
export function checkModelName(model: string): void {
  if (accepted.has(model)) return;
  if (model.length > MODEL_NAME_MAX) throw new WardenError('WARDEN_E_MODEL_INVALID', `model: at most ${MODEL_NAME_MAX} characters (got ${model.length})`);
  if (!SHAPE.test(model)) throw new WardenError('WARDEN_E_MODEL_INVALID', 'model: only letters, digits and . _ : @ / - [ ] are allowed, starting with a letter or digit (no spaces, control characters or other unicode)');
  if (LONG_RUN.test(model)) throw new WardenError('WARDEN_E_MODEL_INVALID', 'model: a run of more than 32 letters and digits looks like a token or hash, not a model name');
  secrets ??= createSecretDetector();
  const found = secrets.detect(model);
  if (found.length) throw new WardenError('WARDEN_E_MODEL_INVALID', `model: looks like a credential (secret rule ${found[0]!.rule}), not a model name`);
  if (accepted.size < ACCEPTED_MAX) accepted.add(model);
}
