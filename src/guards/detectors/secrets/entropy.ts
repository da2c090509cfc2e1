/**
 * Shannon entropy in bits per character, over code points (as gitleaks counts runes).
 * Secrets are short, so a small map beats a 64K counting table.
 */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const count of counts.values()) {
    const p = count / n;
    h -= p * Math.log2(p);
  }
  return h;
}
