/** `rollcall bench-matcher`: gallery search time at scale, against a brute-force scan. */
import { benchmarkMatcher } from '../core/matcher.bench.js';

export async function runBenchMatcher(args: {
  descriptors: number;
  queries: number;
  json: boolean;
}): Promise<number> {
  const result = await benchmarkMatcher({ descriptors: args.descriptors, queries: args.queries, seed: 1 });
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${result.descriptors} descriptors (${result.people} people), ${result.queries} queries: ` +
        `${result.msPerQueryMean.toFixed(2)} ms mean, ${result.msPerQueryP95.toFixed(2)} ms p95 (${result.kernel}), ` +
        `JavaScript scan ${result.jsScanMsPerQuery.toFixed(2)} ms, brute force ${result.bruteForceMsPerQuery.toFixed(2)} ms (${result.speedup.toFixed(1)}x), ` +
        `agreement ${(result.agreement * 100).toFixed(1)}%\n`,
    );
  }
  return result.agreement === 1 ? 0 : 1;
}
