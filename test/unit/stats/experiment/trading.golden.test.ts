import * as stats from '../../../../src/stats';
import { runGoldenFile } from './support/run-golden';

// Trading metrics vs numpy/scipy and statsmodels HAC (Newey–West).
runGoldenFile('trading.json', stats as unknown as Record<string, unknown>);
