import { MlInputError } from '../errors';

/** A dense row-major matrix of finite numbers: value (i, j) is `data[i * cols + j]`. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Either a {@link FeatureMatrix} or an array of equal-length rows. */
export type FeatureRowsInput = FeatureMatrix | ReadonlyArray<ArrayLike<number>>;

function isMatrix(input: FeatureRowsInput): input is FeatureMatrix {
  return !Array.isArray(input) && (input as FeatureMatrix).data instanceof Float64Array;
}

/**
 * Normalises rows to a FeatureMatrix, throwing MlInputError for ragged rows, a column count
 * different from `expectedCols`, or non-finite values (named by row and column).
 *
 * ### Examples
 * ```ts
 * toFeatureMatrix([[1, 2], [3, 4]]); // { rows: 2, cols: 2, data: Float64Array [1, 2, 3, 4] }
 * toFeatureMatrix([[1, NaN]]); // MlInputError: rows[0][1]: must be finite, got NaN
 * ```
 */
export function toFeatureMatrix(
  input: FeatureRowsInput,
  expectedCols?: number,
  argument = 'rows',
): FeatureMatrix {
  let matrix: FeatureMatrix;
  if (isMatrix(input)) {
    if (input.data.length !== input.rows * input.cols) {
      throw new MlInputError(
        argument,
        `data has ${input.data.length} values, expected rows × cols = ${input.rows * input.cols}`,
      );
    }
    matrix = input;
  } else {
    const rows = input.length;
    const cols = rows > 0 ? input[0]!.length : (expectedCols ?? 0);
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = input[i]!;
      if (row.length !== cols)
        throw new MlInputError(`${argument}[${i}]`, `has ${row.length} values, expected ${cols}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
    }
    matrix = { rows, cols, data };
  }
  if (expectedCols !== undefined && matrix.cols !== expectedCols && matrix.rows > 0) {
    throw new MlInputError(argument, `have ${matrix.cols} columns, the model expects ${expectedCols}`);
  }
  const { data, cols } = matrix;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) {
      throw new MlInputError(
        `${argument}[${Math.floor(k / cols)}][${k % cols}]`,
        `must be finite, got ${data[k]}`,
      );
    }
  }
  return matrix;
}

/**
 * Selects rows by index into a new matrix (used for time-ordered train/holdout slices).
 *
 * ### Examples
 * ```ts
 * selectRows(toFeatureMatrix([[1], [2], [3]]), [2, 0]).data; // Float64Array [3, 1]
 * ```
 */
export function selectRows(matrix: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const { cols } = matrix;
  const data = new Float64Array(indices.length * cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < matrix.rows))
      throw new MlInputError('indices', `row ${i} is out of range [0, ${matrix.rows})`);
    data.set(matrix.data.subarray(i * cols, (i + 1) * cols), k * cols);
  }
  return { rows: indices.length, cols, data };
}
