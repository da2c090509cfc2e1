/**
 * The doors' config sections, taken from the registry, for src/config/schema.ts. Typed as
 * the intersection of every door's sections so `Config` knows each door's keys.
 */
import { DOORS } from './registry.js';

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
export type DoorConfigSections = Intersect<(typeof DOORS)[number]['config']>;

export const doorConfigSections = Object.assign({}, ...DOORS.map((d) => d.config)) as DoorConfigSections;
