import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { operatingCurveSvg } from '../../src/cli/curve-chart.js';

describe('operatingCurveSvg', () => {
  const svg = operatingCurveSvg(
    [
      {
        name: 'Rollcall <fr-feature>',
        points: [
          { x: 0, y: 0.5 },
          { x: 0.01, y: 0.9 },
          { x: null, y: 0.95 },
          { x: 1, y: 0.97 },
        ],
        marks: [
          { x: 0.01, y: 0.9, label: '90% at ≤1%' },
          { x: 0.01, y: 0.9, label: '90% at ≤5%' },
        ],
      },
      { name: 'baseline', points: [{ x: 0.5, y: 0.4 }] },
    ],
    { title: 'Curve & more', subtitle: ['line one'] },
  );

  it('is one SVG document with a line per series and the names escaped', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal(svg.match(/<path /g)?.length, 2);
    assert.ok(svg.includes('Rollcall &#60;fr-feature&#62;') && svg.includes('Curve &#38; more'));
    assert.ok(!svg.includes('<fr-feature>'));
  });

  it('skips missing points, puts "none named" on the left edge, and merges marks at one spot', () => {
    const first = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(first.split(/[ML]/).filter(Boolean).length, 3, 'the point with no x is left out');
    assert.ok(first.startsWith('M78.0 '), `x = 0 drawn on the axis: ${first}`);
    assert.equal(svg.match(/<circle /g)?.length, 1);
    assert.ok(svg.includes('90% at ≤1%; 90% at ≤5%'));
  });

  it('labels the log axis from 0.1% to 100%', () => {
    for (const tick of ['0.1%', '1%', '10%', '100%']) assert.ok(svg.includes(`>${tick}</text>`), tick);
  });
});
