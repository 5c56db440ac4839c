/**
 * "Did you mean …?" for mistyped command names. Edit distance with adjacent transpositions
 * counted as one edit (optimal string alignment), because swapped letters (`lsit_groups`) are
 * the most common typing slip and plain Levenshtein would charge them two.
 */

/** The optimal-string-alignment distance between `a` and `b` (code points). */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  // Three rolling rows: the one before the previous is needed for transpositions.
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      }
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[t.length] as number;
}

/**
 * The candidates closest to `input`, in the candidates' order, or [] when
 * none is close enough to be a plausible typo: at most a third of the input's length may
 * differ (at least 1, at most 3 edits), so `lst_groups` finds `list_groups` but `x` finds
 * nothing. A candidate that starts with the input (`list` → `list_groups`, `list_files`, …)
 * also counts, since the user may have stopped typing too early.
 */
export function suggest(input: string, candidates: readonly string[]): string[] {
  const needle = input.toLowerCase();
  if (needle === '') return [];
  const limit = Math.max(1, Math.min(3, Math.floor([...needle].length / 3)));
  const scored = candidates
    .map((c) => ({ c, d: editDistance(needle, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= limit || (needle.length >= 3 && c.toLowerCase().startsWith(needle)));
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map((s) => s.d));
  // Within a prefix family every candidate is equally plausible; otherwise only the nearest.
  const prefixOnly = best > limit;
  return scored
    .filter((s) => prefixOnly || s.d === best)
    .map((s) => s.c);
}

/** `"a"`, `"a or b"`, `"a, b or c"`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}
