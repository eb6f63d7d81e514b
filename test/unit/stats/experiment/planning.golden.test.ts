import * as stats from '../../../../src/stats';
import { runGoldenFile } from './support/run-golden';

// Fixed-horizon sample sizes vs the closed form with scipy normal quantiles (integers, exact match).
runGoldenFile('planning.json', stats as unknown as Record<string, unknown>);
