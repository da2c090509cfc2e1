export { SseResponseGuard, type SseResponseGuardOptions } from './stream-guard.js';
export { guardJsonResponse, type JsonGuardOptions, type JsonGuardResult } from './json-guard.js';
export { ResponseGuardFactory, createResponseRedactor, type RedactorHit, type TextRedactor } from './redactor.js';
export { denialText } from './tool-judge.js';
export { DEFAULT_MAX_TOOL_BYTES, DEFAULT_TOOL_MESSAGE, type GuardEvent, type ToolCall, type ToolJudge, type ToolVerdict } from './types.js';
