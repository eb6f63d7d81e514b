import * as stats from '../../../../src/stats';
import { runGoldenFile } from './support/run-golden';

// holm / benjaminiHochberg vs statsmodels multipletests; bootstrapPairedDifference vs an exact Python
// replay of its resampling stream.
runGoldenFile('multiple-testing.json', stats as unknown as Record<string, unknown>);
