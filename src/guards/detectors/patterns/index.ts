export { type CompilePatternResult, type CustomPattern, compilePattern } from './compile.js';
export { PATTERN_DETECTOR_ID, UNBOUNDED_PATTERN_HOLDBACK, createPatternDetector } from './detector.js';
export { customPatternSchema, customPatternsSchema } from './config.js';
