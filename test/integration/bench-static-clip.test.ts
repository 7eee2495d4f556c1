/**
 * `rollcall bench --static-clip` end to end: the clip made with ffmpeg from the shared photos,
 * the real engine on its threads, the baseline and the motion-gated pipeline. The bench hands
 * every frame in on the clip's own clock and the pipeline drops none, so who is named and when
 * does not depend on the machine's speed; only the rates do, and those are not asserted here
 * (they are the bench's figures, not a test's).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { FACES_DIR } from '../support/faces.js';

interface StaticClipReport {
  frames: number;
  sameNames: boolean;
  namesFound: string[];
  baselineNames: string[];
  ungatedNames: string[];
  firstNamesWithinConsensus: boolean;
  firstNames: { person: string; baselineS: number | null; pipelineS: number | null; delayS: number | null }[];
  analysis: {
    fullFrames: Record<string, number>;
    regionFrames: number;
    newcomerRegionFrames: number;
    idleFrames: number;
  };
  p95EventLatencyMs: number;
}

describe('rollcall bench --static-clip', () => {
  it('names the people who walk in as the baseline does, no later than a consensus window, mostly without full frames', async () => {
    const result = await runCli(['bench', '--static-clip', FACES_DIR, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as StaticClipReport;

    assert.deepEqual(report.baselineNames, ['howard', 'leonard', 'penny']);
    assert.deepEqual(report.namesFound, report.baselineNames);
    assert.deepEqual(report.ungatedNames, report.baselineNames);
    assert.ok(report.sameNames);
    for (const first of report.firstNames) assert.ok(first.pipelineS !== null, `${first.person} never named`);
    assert.ok(report.firstNamesWithinConsensus, JSON.stringify(report.firstNames));

    // Most frames cost no full-frame detection: nobody moving costs nothing, a newcomer is looked
    // for where they move, and the whole frame is looked at by the periodic sweep (every 2 s of
    // the 15.5 s clip) and seldom otherwise.
    const { analysis } = report;
    const fullFrames = Object.values(analysis.fullFrames).reduce((sum, n) => sum + n, 0);
    assert.ok(analysis.idleFrames >= report.frames / 4, JSON.stringify(analysis));
    assert.ok(analysis.newcomerRegionFrames >= 3, 'each newcomer is looked for in a region');
    assert.ok(fullFrames <= (analysis.fullFrames.sweep ?? 0) + 3, JSON.stringify(analysis));
    assert.ok(report.p95EventLatencyMs > 0, 'capture to event is measured');
  });
});
