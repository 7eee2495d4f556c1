import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadConfig } from '../../config.js';
import { SETTINGS_KEY, SettingsService, settingsFromConfig } from '../../src/services/index.js';
import { createStore, type JsonValue } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';

async function startWith(saved: { [key: string]: JsonValue }) {
  const store = await createStore({ dataDir: await tempDir('settings-upgrade') });
  await store.setSetting(SETTINGS_KEY, saved);
  const settings = new SettingsService({
    store,
    defaults: settingsFromConfig(loadConfig({})),
    targets: () => [],
  });
  try {
    return { current: await settings.start(), policy: settings.thresholdPolicy() };
  } finally {
    await store.close();
  }
}

describe('settings saved by an earlier release', () => {
  it('drop the distances of the face-api era and calibrate for the target, keeping the rest', async () => {
    const { current, policy } = await startWith({
      matchThreshold: 0.55,
      unknownThreshold: 0.6,
      consensusFrames: 4,
    });
    assert.equal(current.matchThreshold, null);
    assert.equal(current.unknownThreshold, null);
    assert.equal(current.consensusFrames, 4);
    assert.equal(current.strangerRateTarget, 0.01);
    assert.equal(policy.fixed, undefined);
  });

  it('keep thresholds set by hand in this release', async () => {
    const { current, policy } = await startWith({
      strangerRateTarget: 0.02,
      matchThreshold: 0.9,
      unknownThreshold: 1,
    });
    assert.deepEqual(
      [current.strangerRateTarget, current.matchThreshold, current.unknownThreshold],
      [0.02, 0.9, 1],
    );
    assert.deepEqual(policy.fixed, { match: 0.9, unknown: 1 });
  });
});

describe('settings saved by another web node on the same store', () => {
  it('are taken in by refresh(), put in effect and sent to this node’s recognition nodes', async () => {
    const store = await createStore({ dataDir: await tempDir('settings-refresh') });
    try {
      const defaults = settingsFromConfig(loadConfig({}));
      const sent: { strangerRateTarget: number; consensusFrames: number }[] = [];
      const target = {
        sendSettings: (pushed: { strangerRateTarget: number; consensusFrames: number }) => {
          sent.push({
            strangerRateTarget: pushed.strangerRateTarget,
            consensusFrames: pushed.consensusFrames,
          });
          return true;
        },
      };
      const a = new SettingsService({ store, defaults, targets: () => [] });
      const b = new SettingsService({ store, defaults, targets: () => [target] });
      await a.start();
      await b.start();
      assert.equal(await b.refresh(), false, 'nothing saved yet');
      assert.deepEqual(sent, []);

      await a.update({ strangerRateTarget: 0.001, consensusFrames: 5 });
      assert.equal(b.current().strangerRateTarget, defaults.strangerRateTarget, 'not read yet');
      assert.equal(await b.refresh(), true);
      assert.equal(b.current().strangerRateTarget, 0.001);
      assert.deepEqual(sent, [{ strangerRateTarget: 0.001, consensusFrames: 5 }]);
      assert.equal(await b.refresh(), false, 'the same settings again change nothing');
      assert.equal(sent.length, 1);
    } finally {
      await store.close();
    }
  });
});
