import * as stats from '../../../../src/stats';
import { runGoldenFile } from './support/run-golden';

// twoProportionZTest vs statsmodels, welchTTest vs scipy ttest_ind(equal_var=False), srmTest vs scipy
// chisquare: statistics to 1e-9 relative, p-values to 1e-6 relative (1e-12 absolute below 1e-8).
runGoldenFile('frequentist.json', stats as unknown as Record<string, unknown>);
