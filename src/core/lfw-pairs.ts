/**
 * The LFW `pairs.txt` format: a first line `FOLDS<TAB>N`, then for each fold N same-person lines
 * `name<TAB>i<TAB>j` followed by N different-person lines `name1<TAB>i<TAB>name2<TAB>j`, where i and j
 * are 1-based photo numbers (`Name_000i.jpg` in the folder `Name`).
 */
import { ErrorCode, RollcallError } from './errors.js';

export interface LfwPhotoRef {
  name: string;
  /** 1-based photo number. */
  index: number;
}

export interface LfwPair {
  /** 1-based fold number. */
  fold: number;
  same: boolean;
  a: LfwPhotoRef;
  b: LfwPhotoRef;
}

export interface LfwPairs {
  folds: number;
  pairsPerKind: number;
  pairs: LfwPair[];
}

/** The file name LFW gives photo `index` of `name`: `Name_0003.jpg`. */
export function lfwPhotoFile(ref: LfwPhotoRef): string {
  return `${ref.name}_${String(ref.index).padStart(4, '0')}.jpg`;
}

function invalid(line: number, message: string): RollcallError {
  return new RollcallError(ErrorCode.UsageInvalid, `pairs file line ${line}: ${message}`);
}

/** A photo folder name: never a path, so a pairs file cannot point outside the images folder. */
function personName(text: string | undefined, line: number): string {
  const name = text ?? '';
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
    throw invalid(line, `"${name}" is not a person's folder name`);
  }
  return name;
}

function photoNumber(text: string | undefined, line: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw invalid(line, `"${text ?? ''}" is not a photo number`);
  return n;
}

/**
 * Parses `pairs.txt`. Fields may be separated by tabs or spaces; blank lines at the end are ignored.
 *
 * @throws RollcallError `USAGE_INVALID` naming the line for a malformed header or pair line, or a file
 *   holding fewer or more pair lines than its header promises.
 */
export function parseLfwPairs(text: string): LfwPairs {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') lines.pop();
  const header = (lines[0] ?? '').trim().split(/\s+/);
  const folds = Number(header[0]);
  const pairsPerKind = Number(header[1]);
  if (
    header.length !== 2 ||
    !Number.isInteger(folds) ||
    folds < 1 ||
    !Number.isInteger(pairsPerKind) ||
    pairsPerKind < 1
  ) {
    throw invalid(1, `expected "FOLDS<TAB>PAIRS", got "${lines[0] ?? ''}"`);
  }
  const expected = 1 + folds * 2 * pairsPerKind;
  if (lines.length !== expected) {
    throw new RollcallError(
      ErrorCode.UsageInvalid,
      `pairs file: the header promises ${folds} folds of ${pairsPerKind} same and ${pairsPerKind} different pairs (${expected - 1} lines), the file has ${lines.length - 1}`,
    );
  }
  const pairs: LfwPair[] = [];
  for (let i = 1; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/\s+/);
    const within = (i - 1) % (2 * pairsPerKind);
    const fold = Math.floor((i - 1) / (2 * pairsPerKind)) + 1;
    const same = within < pairsPerKind;
    if (same) {
      if (fields.length !== 3) throw invalid(i + 1, 'expected a same-person pair "name i j"');
      const name = personName(fields[0], i + 1);
      pairs.push({
        fold,
        same,
        a: { name, index: photoNumber(fields[1], i + 1) },
        b: { name, index: photoNumber(fields[2], i + 1) },
      });
    } else {
      if (fields.length !== 4) throw invalid(i + 1, 'expected a different-person pair "name1 i name2 j"');
      pairs.push({
        fold,
        same,
        a: { name: personName(fields[0], i + 1), index: photoNumber(fields[1], i + 1) },
        b: { name: personName(fields[2], i + 1), index: photoNumber(fields[3], i + 1) },
      });
    }
  }
  return { folds, pairsPerKind, pairs };
}
