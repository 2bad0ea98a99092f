import type { FaultCase } from './harness.js';
export const cases: FaultCase[] = [];
