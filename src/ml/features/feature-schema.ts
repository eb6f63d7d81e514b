import { FeatureSchemaError } from '../errors';

/** Names and order of the model inputs; `version` changes whenever a name, order or formula does. */
export interface FeatureSchema {
  readonly version: string;
  readonly names: readonly string[];
}

/**
 * The one feature schema shared by training and serving (order = column order of the ONNX input
 * `features`). Formulas are in `compute-features.ts`; all use only bars at or before the row's bar.
 *
 * ### Examples
 * ```ts
 * FEATURE_SCHEMA.version; // 'gf-features-v1'
 * FEATURE_SCHEMA.names.length; // 17
 * ```
 */
export const FEATURE_SCHEMA: FeatureSchema = Object.freeze({
  version: 'gf-features-v1',
  names: Object.freeze([
    'ret_1',
    'ret_2',
    'ret_5',
    'ret_10',
    'ret_20',
    'vol_5',
    'vol_20',
    'vol_ratio_5_20',
    'rsi_14',
    'sma_ratio_5_20',
    'zscore_20',
    'range_hl',
    'range_hl_mean_10',
    'close_location',
    'gap',
    'volume_z_20',
    'volume_ratio_5_20',
  ]),
});

/**
 * Checks a feature payload against a schema and returns it as a vector in schema order; throws a
 * FeatureSchemaError naming every missing, extra and non-finite feature (arrays must have exactly
 * `names.length` finite values).
 *
 * ### Examples
 * ```ts
 * featureVectorFromInput({ version: 'v', names: ['a', 'b'] }, { b: 2, a: 1 }); // [1, 2]
 * featureVectorFromInput({ version: 'v', names: ['a', 'b'] }, { a: 1, c: 3 });
 * // FeatureSchemaError: features: do not match schema v: missing [b]; extra [c]
 * ```
 */
export function featureVectorFromInput(
  schema: FeatureSchema,
  input: Readonly<Record<string, number>> | readonly number[],
): number[] {
  const names = schema.names;
  if (Array.isArray(input)) {
    const values = input as readonly number[];
    const nonFinite = names.filter((name, i) => i < values.length && !Number.isFinite(values[i]));
    if (values.length !== names.length) {
      const missing = values.length < names.length ? names.slice(values.length) : [];
      const extra =
        values.length > names.length ? [`${values.length - names.length} value(s) past ${names.at(-1)}`] : [];
      throw new FeatureSchemaError(
        schema.version,
        missing,
        extra,
        nonFinite,
        `got ${values.length} values, schema has ${names.length}`,
      );
    }
    if (nonFinite.length > 0) throw new FeatureSchemaError(schema.version, [], [], nonFinite);
    return [...values];
  }
  const record = input as Readonly<Record<string, number>>;
  // One pass on the hot path: every name present and finite, and no key beyond them. The lists of
  // missing, extra and non-finite features are only built for the error.
  const vector = new Array<number>(names.length);
  let valid = true;
  for (let i = 0; i < names.length; i++) {
    const value = record[names[i]!];
    if (typeof value !== 'number' || !Number.isFinite(value) || !Object.hasOwn(record, names[i]!)) {
      valid = false;
      break;
    }
    vector[i] = value;
  }
  if (valid && Object.keys(record).length === distinctCount(names)) return vector;
  const known = new Set(names);
  const missing = names.filter((n) => !Object.hasOwn(record, n));
  const extra = Object.keys(record).filter((k) => !known.has(k));
  const nonFinite = names.filter(
    (n) => Object.hasOwn(record, n) && !(typeof record[n] === 'number' && Number.isFinite(record[n])),
  );
  throw new FeatureSchemaError(schema.version, missing, extra, nonFinite);
}

// Schemas live as long as the configuration that holds them; counting their distinct names once
// keeps the hot path's key-count check exact even for a schema that names a feature twice.
const distinctCounts = new WeakMap<readonly string[], number>();
function distinctCount(names: readonly string[]): number {
  let count = distinctCounts.get(names);
  if (count === undefined) {
    count = new Set(names).size;
    distinctCounts.set(names, count);
  }
  return count;
}

/**
 * The inverse of {@link featureVectorFromInput}: names a schema-ordered vector, e.g. for a
 * prediction event's `triggering_features` or a confirmation rule lookup.
 *
 * ### Examples
 * ```ts
 * featureRecordFromVector({ version: 'v', names: ['a', 'b'] }, [1, 2]); // { a: 1, b: 2 }
 * ```
 */
export function featureRecordFromVector(
  schema: FeatureSchema,
  values: readonly number[],
): Record<string, number> {
  if (values.length !== schema.names.length) {
    throw new FeatureSchemaError(
      schema.version,
      schema.names.slice(values.length),
      [],
      [],
      `got ${values.length} values, schema has ${schema.names.length}`,
    );
  }
  return Object.fromEntries(schema.names.map((n, i) => [n, values[i]!]));
}
