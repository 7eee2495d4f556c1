import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import {
  Command,
  SnapshotCollector,
  snapshotParts,
  type GalleryPerson,
  type GallerySnapshotMessage,
} from '../../src/bridge/protocol/index.js';

const descriptor = (seed: number): Float32Array => new Float32Array(512).fill(seed / 1000);

function partMessages(people: GalleryPerson[], version: number): GallerySnapshotMessage[] {
  const parts = snapshotParts(people, 'fr-feature');
  return parts.map((chunk, index) => ({
    command: Command.GALLERY_SNAPSHOT,
    version,
    model: 'fr-feature',
    people: chunk,
    part: { index, last: index === parts.length - 1 },
  }));
}

describe('SnapshotCollector', () => {
  const people = Array.from({ length: 300 }, (_, p) => ({
    personId: `p${p}`,
    descriptors: [descriptor(p), descriptor(p), descriptor(p), descriptor(p)],
  }));

  it('puts back together what snapshotParts cut, only once the last part is in', () => {
    const messages = partMessages(people, 7);
    assert.ok(messages.length > 1);
    const collector = new SnapshotCollector();
    const results = messages.map((message) => collector.add(message));
    assert.ok(results.slice(0, -1).every((result) => result === undefined));
    assert.deepEqual(results.at(-1), people);
  });

  it('hands a snapshot in one frame over at once', () => {
    const message: GallerySnapshotMessage = {
      command: Command.GALLERY_SNAPSHOT,
      version: 1,
      model: 'fr-feature',
      people: people.slice(0, 2),
    };
    assert.deepEqual(new SnapshotCollector().add(message), people.slice(0, 2));
  });

  it('refuses parts out of order or a person twice with BAD_MESSAGE, and starts over', () => {
    const [first, second] = partMessages(people, 3);
    const someone = people[0];
    assert.ok(first !== undefined && second !== undefined && someone !== undefined);
    const collector = new SnapshotCollector();
    const badMessage = (error: unknown): boolean => isRollcallError(error, ErrorCode.BadMessage);
    assert.throws(() => collector.add(second), badMessage);
    collector.add(first);
    assert.throws(() => collector.add({ ...second, people: [...second.people, someone] }), badMessage);
    // What was collected is gone: the next part is out of order.
    assert.throws(() => collector.add(second), /out of order/);
  });
});
