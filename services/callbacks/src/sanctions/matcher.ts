// Name screening against a sanctions list.
//
// Names are normalised before comparing: Unicode NFKD with accents removed
// (Müller → muller, ß → ss, Ø → o), lower case, every character other than a-z
// and 0-9 turned into a space (so `AL-RASHID, Khalid` → `al rashid khalid`),
// then split into tokens. Then, for each name of the sender against each listed
// name or alias:
//
// - **exact**: the two token multisets are equal, in any order
//   (`DOE, John` = `John Doe`). Answer 403.
// - **fuzzy**: the similarity is at least the threshold (default 0.85). The
//   similarity is the larger of
//     * 1 − Levenshtein(a, b) / max(|a|, |b|) over the tokens sorted and joined by
//       one space (catches spelling variants: `Jon Doe`, `Usama` vs `Osama`), and
//     * 0.9 when one name's tokens all appear in the other and the smaller
//       has at least two tokens (catches added or left-out middle names and
//       patronymics: `Khalid Omar al Rashid`, `Ivan Volkov` for
//       `VOLKOV, Ivan Petrovich`).
//   Answer 202 until an operator clears or confirms the hit.
// - otherwise no match: 200.

export interface ScreenableEntry {
  id: string;
  name: string;
  aliases: string[];
}

export interface ScreeningMatch {
  kind: 'exact' | 'fuzzy';
  /** 0..1 */
  score: number;
  /** The sender's name that matched. */
  screenedName: string;
  entryId: string;
  /** The listed name or alias that matched. */
  entryName: string;
}

const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
};

/** Tokens of a name after normalisation (see the file comment). */
export function nameTokens(name: string): string[] {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđðþłı]/g, (ch) => SPECIAL[ch] ?? ch)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return folded === '' ? [] : folded.split(' ');
}

/** Levenshtein distance, O(|a|·|b|) time and O(|b|) memory. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

interface PreparedName {
  entryId: string;
  entryName: string;
  tokens: string[];
  tokenSet: Set<string>;
  sorted: string;
}

/** True when `tokens` (two or more) all appear in `set`. */
function contains(set: Set<string>, tokens: string[]): boolean {
  return tokens.length >= 2 && tokens.length < set.size + 1 && tokens.every((t) => set.has(t));
}

/** A sanctions list prepared for repeated screening. */
export class NameScreener {
  private readonly names: PreparedName[];

  constructor(
    entries: ScreenableEntry[],
    private readonly threshold = 0.85,
  ) {
    this.names = entries.flatMap((entry) =>
      [entry.name, ...entry.aliases]
        .map((name) => {
          const tokens = nameTokens(name);
          return {
            entryId: entry.id,
            entryName: name,
            tokens,
            tokenSet: new Set(tokens),
            sorted: [...tokens].sort().join(' '),
          };
        })
        .filter((n) => n.tokens.length > 0),
    );
  }

  get size(): number {
    return this.names.length;
  }

  /** The strongest match of any of `names` at or above the threshold, or undefined. */
  screen(names: string[]): ScreeningMatch | undefined {
    let best: ScreeningMatch | undefined;
    for (const screenedName of names) {
      const tokens = nameTokens(screenedName);
      if (tokens.length === 0) continue;
      const sorted = [...tokens].sort().join(' ');
      const tokenSet = new Set(tokens);
      for (const listed of this.names) {
        let kind: 'exact' | 'fuzzy' = 'fuzzy';
        let score: number;
        if (listed.sorted === sorted) {
          kind = 'exact';
          score = 1;
        } else {
          score = this.similarity(sorted, listed.sorted);
          if (contains(tokenSet, listed.tokens) || contains(listed.tokenSet, tokens)) {
            score = Math.max(score, 0.9);
          }
        }
        if (score < this.threshold) continue;
        if (!best || rank(kind, score) > rank(best.kind, best.score)) {
          best = { kind, score, screenedName, entryId: listed.entryId, entryName: listed.entryName };
        }
      }
    }
    return best;
  }

  private similarity(a: string, b: string): number {
    const longest = Math.max(a.length, b.length);
    // The distance is at least the length difference: skip hopeless pairs cheaply.
    if (1 - Math.abs(a.length - b.length) / longest < this.threshold) return 0;
    return 1 - levenshtein(a, b) / longest;
  }
}

function rank(kind: 'exact' | 'fuzzy', score: number): number {
  return (kind === 'exact' ? 2 : 0) + score;
}
