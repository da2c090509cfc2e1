export interface Finding { detector: string; rule: string; start: number; end: number; /** 0..1 */ confidence: number; }
export interface Detector { readonly id: string; /** Longest span it can match, for stream hold-back windows. */ readonly maxMatchLength: number; detect(text: string): Finding[]; }
