import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import { OptionChecks } from '../../src/shared/index.js';

describe('OptionChecks', () => {
  it('lists every bad option in one error, each naming its owner, under the code given', () => {
    const options = { heartbeatMs: 0, port: 70_000, host: '' };
    assert.throws(
      () => {
        new OptionChecks('BridgeServer', ErrorCode.UsageInvalid)
          .require(options.host !== '', 'host', 'must be a non-empty string', options.host)
          .require(options.port <= 65535, 'port', 'must be an integer from 0 to 65535', options.port)
          .integers(options, ['heartbeatMs'])
          .throwIfAny();
      },
      (error) =>
        isRollcallError(error, ErrorCode.UsageInvalid) &&
        error.message ===
          'BridgeServer: option host must be a non-empty string (got ""); ' +
            'BridgeServer: option port must be an integer from 0 to 65535 (got 70000); ' +
            'BridgeServer: option heartbeatMs must be a positive integer (got 0)',
    );
  });

  it("uses the owner's room's code and never shows a hidden value", () => {
    const checks = new OptionChecks('DirFrameSource', ErrorCode.SourceInvalid).requireHidden(
      false,
      'secret',
      'must be non-empty',
    );
    assert.equal(checks.ok, false);
    assert.throws(
      () => {
        checks.throwIfAny();
      },
      (error) =>
        isRollcallError(error, ErrorCode.SourceInvalid) &&
        error.message === 'DirFrameSource: option secret must be non-empty',
    );
  });

  it('shows objects and functions by their type, and passes when every rule holds', () => {
    assert.throws(() => {
      new OptionChecks('X').require(false, 'factory', 'must make a source', () => 1).throwIfAny();
    }, /option factory must make a source \(got function\)$/);
    assert.doesNotThrow(() => {
      new OptionChecks('X').require(true, 'a', 'is fine', 1).throwIfAny();
    });
  });
});
