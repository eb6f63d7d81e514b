import * as stats from '../../../../src/stats';
import { runGoldenFile } from './support/run-golden';

// sequentialTest vs the mSPRT closed form evaluated in mpmath (no library implements it).
runGoldenFile('sequential.json', stats as unknown as Record<string, unknown>);
