export { MASK_STYLES, type MaskOptions, type MaskStyle, mask } from './mask.js';
export { type MaskStyleChoice, applyRedactions } from './apply.js';
