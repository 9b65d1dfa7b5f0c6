import { readFileSync } from 'node:fs';

/** One row of a vector file: the identifier, whether it is valid, and what was done to it. */
export interface VectorRow {
  readonly input: string;
  readonly expected: 'valid' | 'invalid';
  readonly case: string;
}

/**
 * Reads a test-vector CSV. The files have a header row, CRLF line ends and an empty third column for valid rows;
 * no value contains a comma or a quote, so a split is enough.
 */
export function readVectors(file: URL): VectorRow[] {
  const [header, ...lines] = readFileSync(file, 'utf8').split(/\r?\n/);
  if (header?.split(',')[1] !== 'expected') throw new Error(`${file}: unexpected header ${header}`);
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [input = '', expected = '', note = ''] = line.split(',');
      if (expected !== 'valid' && expected !== 'invalid') throw new Error(`${file}: bad row ${line}`);
      return { input, expected, case: note };
    });
}
