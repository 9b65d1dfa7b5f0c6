import { readFileSync } from 'node:fs';

/** One row of a vector file: the identifier, whether it is valid, and what was done to it. */
export interface VectorRow {
  readonly input: string;
  readonly expected: 'valid' | 'invalid';
  readonly case: string;
}

/**
 * Reads a test-vector CSV. The files start with `#` provenance lines (where the vectors came from), then a header
 * row; CRLF line ends and an empty third column for valid rows; no value contains a comma or a quote, so a split is
 * enough.
 */
export function readVectors(file: URL): VectorRow[] {
  const all = readFileSync(file, 'utf8').split(/\r?\n/);
  const [header, ...lines] = all.filter((line) => !line.startsWith('#'));
  if (header?.split(',')[1] !== 'expected') throw new Error(`${file}: unexpected header ${header}`);
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [input = '', expected = '', note = ''] = line.split(',');
      if (expected !== 'valid' && expected !== 'invalid') throw new Error(`${file}: bad row ${line}`);
      return { input, expected, case: note };
    });
}

/** A vector file of this package (test/vectors), read relative to this file so that no test looks outside the repository. */
export function vectorFile(name: 'citizen-id-vectors.csv' | 'uscc-vectors.csv'): URL {
  return new URL(`./vectors/${name}`, import.meta.url);
}
