/**
 * A gallery snapshot too big for one frame travels in parts: {@link snapshotParts} cuts it on the
 * web node, {@link SnapshotCollector} puts it back together on the node. Both halves of the rule
 * live here, next to the limits they share, and neither touches a socket.
 */
import { ErrorCode, type DescriptorModel } from '../../core/index.js';
import { wireDescriptorBytes } from './descriptor-codec.js';
import { MESSAGE_LIMITS, type GalleryPerson, type GallerySnapshotMessage } from './messages.js';
import { ProtocolError } from './protocol-error.js';

/**
 * A snapshot of `model` cut into parts that each fit a frame (at most `snapshotPartBytes` of
 * descriptors, so at most as many people as descriptors); one part when it fits already.
 */
export function snapshotParts(people: readonly GalleryPerson[], model: DescriptorModel): GalleryPerson[][] {
  const limit = Math.floor(MESSAGE_LIMITS.snapshotPartBytes / wireDescriptorBytes(model));
  const parts: GalleryPerson[][] = [[]];
  let inPart = 0;
  for (const person of people) {
    const n = person.descriptors.length;
    if (inPart > 0 && inPart + n > limit) {
      parts.push([]);
      inPart = 0;
    }
    parts.at(-1)?.push(person);
    inPart += n;
  }
  return parts;
}

interface Staged {
  version: number;
  next: number;
  people: GalleryPerson[];
  ids: Set<string>;
  descriptors: number;
}

/**
 * Collects a snapshot sent in parts, one connection's worth. Parts must come in order, for one
 * version, up to `snapshotDescriptorBytes` in all: the node holds the parts in memory and applies
 * nothing until the whole gallery is there.
 */
export class SnapshotCollector {
  #staged: Staged | undefined;

  /**
   * Adds a GALLERY_SNAPSHOT; returns every person once the last part is in (at once for a snapshot
   * in one frame), else undefined.
   *
   * @throws ProtocolError `BAD_MESSAGE` for a part out of order, a person twice, or too many
   *   descriptors; what was collected is dropped.
   */
  add(message: GallerySnapshotMessage): GalleryPerson[] | undefined {
    const part = message.part;
    if (part === undefined) return message.people;
    const staged: Staged | undefined =
      part.index === 0
        ? { version: message.version, next: 0, people: [], ids: new Set<string>(), descriptors: 0 }
        : this.#staged;
    const fail = (why: string): ProtocolError => {
      this.#staged = undefined;
      return new ProtocolError(ErrorCode.BadMessage, `GALLERY_SNAPSHOT part ${part.index}: ${why}`);
    };
    if (staged === undefined || staged.version !== message.version || staged.next !== part.index) {
      throw fail('out of order (parts go 0, 1, 2… for one version)');
    }
    for (const person of message.people) {
      if (staged.ids.has(person.personId)) throw fail(`person ${person.personId} appears twice`);
      staged.ids.add(person.personId);
      staged.people.push(person);
      staged.descriptors += person.descriptors.length;
    }
    if (staged.descriptors * wireDescriptorBytes(message.model) > MESSAGE_LIMITS.snapshotDescriptorBytes) {
      throw fail(`more than ${MESSAGE_LIMITS.snapshotDescriptorBytes} bytes of descriptors in one snapshot`);
    }
    staged.next++;
    this.#staged = part.last ? undefined : staged;
    return part.last ? staged.people : undefined;
  }

  /** Drops a snapshot half collected (its parts were refused). */
  reset(): void {
    this.#staged = undefined;
  }
}
