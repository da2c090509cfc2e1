import { readFileSync } from 'node:fs';

/** The package version, read from package.json beside dist/ (compiled) or src/ (tsx). */
function readVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'warden' && p.version) return p.version;
    } catch {
      // not at this depth
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = readVersion();
