/**
 * Sample recognition events for outbox tests, and a child process that drives an outbox until it is
 * killed, reporting on stdout only what the outbox has promised is durable:
 *
 * - `node outbox-child.js DIR append COUNT CROP_BYTES`: appends COUNT events, 16 in flight, and
 *   prints `appended ID` as each append resolves; then `done`, and waits to be killed.
 * - `node outbox-child.js DIR compact`: with the events already in DIR, acknowledges the oldest one,
 *   prints `acked ID`, compacts, prints `compacted`, and repeats until nothing is pending.
 * - `node outbox-child.js DIR fill CROP_BYTES`: appends events one at a time until an append fails
 *   (run it under `ulimit -f`), printing `appended ID` and then `failed CODE`; then acknowledges the
 *   first two and prints `acked ID` for each, appends one small event, prints `appended ID`, `done`.
 * - `node outbox-child.js DIR hold`: opens the outbox, prints `ready` and waits to be killed.
 */
import { fileURLToPath } from 'node:url';
import { EventOutbox } from '../../src/recognition/outbox/index.js';
import { isRollcallError, type RecognitionEvent } from '../../src/core/index.js';

export const OUTBOX_CHILD = fileURLToPath(import.meta.url);

/** A recognition event with a deterministic crop of `cropBytes` bytes (0 for none). */
export function sampleEvent(i: number, cropBytes = 0, prefix = 'ev'): RecognitionEvent {
  let crop: Uint8Array | null = null;
  if (cropBytes > 0) {
    crop = new Uint8Array(cropBytes);
    for (let b = 0; b < cropBytes; b++) crop[b] = (i * 31 + b * 7) & 0xff;
  }
  return {
    id: `${prefix}-${String(i).padStart(6, '0')}`,
    type: i % 3 === 0 ? 'unknown' : 'recognized',
    nodeId: 'node-a',
    cameraId: 'video0',
    trackId: `video0-${i}`,
    personId: i % 3 === 0 ? null : `person-${i % 7}`,
    distance: i % 3 === 0 ? null : 0.25 + (i % 10) / 100,
    thresholds: { match: 0.5, unknown: 0.6 },
    votes: i % 3 === 0 ? null : 3,
    at: new Date(Date.UTC(2025, 0, 1, 8, 0, 0, i)).toISOString(),
    box: { x: i % 600, y: 40, width: 80, height: 96 },
    frameWidth: 640,
    frameHeight: 480,
    crop,
    model: 'tiny+face-recognition-net',
    backend: 'wasm',
  };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [dir, mode, countText, cropText] = argv;
  if (dir === undefined) throw new Error('usage: outbox-child DIR append|compact|hold ...');
  const outbox = await EventOutbox.open({ dir, compactMinAcked: Number.MAX_SAFE_INTEGER });
  switch (mode) {
    case 'append': {
      const count = Number(countText);
      const cropBytes = Number(cropText ?? 0);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < count) {
          const event = sampleEvent(next++, cropBytes);
          await outbox.append(event);
          print(`appended ${event.id}`);
        }
      };
      await Promise.all(Array.from({ length: 16 }, lane));
      print('done');
      break;
    }
    case 'compact': {
      for (;;) {
        const [oldest] = await outbox.pending(1);
        if (oldest === undefined) break;
        await outbox.ack([oldest.id]);
        print(`acked ${oldest.id}`);
        await outbox.compact();
        print('compacted');
      }
      print('done');
      break;
    }
    case 'fill': {
      const cropBytes = Number(countText);
      for (let i = 0; ; i++) {
        const event = sampleEvent(i, cropBytes);
        try {
          await outbox.append(event);
        } catch (error) {
          print(`failed ${isRollcallError(error) ? error.code : String(error)}`);
          break;
        }
        print(`appended ${event.id}`);
      }
      for (const id of ['ev-000000', 'ev-000001']) {
        await outbox.ack([id]);
        print(`acked ${id}`);
      }
      const small = sampleEvent(999_999, 0, 'small');
      await outbox.append(small);
      print(`appended ${small.id}`);
      print('done');
      break;
    }
    case 'hold':
      print('ready');
      break;
    case undefined:
    default:
      throw new Error(`unknown mode ${String(mode)}`);
  }
  // Stay alive (holding the lock) until the test kills us.
  setInterval(() => undefined, 60_000);
}

if (process.argv[1] === OUTBOX_CHILD) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
