// Stored JSON that is the user's own content (a policy file, trainer hyperparameters, metric maps,
// alert details, analysis results) is shown as stored; every key the CLI itself chooses is
// camelCase (docs/cli.md, "JSON output").
const OPAQUE = new Set([
  'hyperparameters',
  'metrics',
  'featureSchema',
  'details',
  'gatePolicy',
  'supervisorPolicy',
  'policy',
  'results',
]);

/** The paths of keys with an underscore in a CLI `--json` value, outside the user's own JSON. */
export function snakeKeys(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => snakeKeys(v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/_/.test(k) ? [`${at}.${k}`] : []),
    ...(OPAQUE.has(k) ? [] : snakeKeys(v, `${at}.${k}`)),
  ]);
}
