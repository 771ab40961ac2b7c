/**
 * Whether `value` matches `glob`, where `*` stands for any run of characters (the empty one
 * included) and every other character stands for itself; case-insensitive.
 *
 * No regular expression: a glob like `*a*a*a*…b` compiled to `.*a.*a.*…b` backtracks
 * exponentially on a long run of `a`s, and tenants write these globs. Here the text between the
 * stars is searched left to right, each piece once, from where the previous piece ended: the
 * leftmost match of a piece never rules out a match of the rest (a star can absorb anything in
 * between), so nothing is ever retried. The work is at most |value| × |glob| character
 * comparisons, with both lengths bounded (TableMappingRule, the webhook size limit).
 */
export function globMatches(glob: string, value: string): boolean {
  const pieces = glob.toLowerCase().split('*');
  const text = value.toLowerCase();
  const first = pieces[0]!;
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1]!;
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  // the middle pieces must fit, in order, between the prefix and the suffix
  let at = first.length;
  const end = text.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    if (piece === '') continue;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
