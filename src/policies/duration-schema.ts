import { z } from 'zod';
import { DURATION_PATTERN } from '../util/duration';

/** A duration text such as `30s`, `6h` or `7d`. */
export const durationSchema = z.string().regex(DURATION_PATTERN, 'expected a duration such as 30s, 6h or 7d');
