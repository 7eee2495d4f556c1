/**
 * The people enrolled, as the web node reads them: the gallery (each person with their photo count,
 * whether the cameras can recognise them, and the face that stands for them), one person with every
 * photo and what training made of it, the photos' thumbnails, and the name the live view draws
 * over a recognised face. Enrolling and erasing are `EnrollmentService`'s.
 */
import {
  ErrorCode,
  personState,
  portraitPhoto,
  readPhotoVerdict,
  RollcallError,
  type PhotoVerdict,
} from '../core/index.js';
import { photoThumbnail } from '../engine/index.js';
import type { Page, PageOptions, Person, Photo, Store } from '../store/index.js';
import type { PersonDetail, PersonSummary, PhotoView } from './views.js';

/** The longer side of a thumbnail: a gallery card at twice the pixels of its ~130 CSS px. */
export const THUMBNAIL_PX = 256;

/** A thumbnail to send: its validator first, so an unchanged one is answered 304 without decoding. */
export interface Thumbnail {
  /** A strong ETag: a photo's bytes never change, only what training learned of its face. */
  etag: string;
  render(): Promise<Buffer>;
}

type PeopleStore = Pick<
  Store,
  'listPeople' | 'findPeopleByName' | 'getPerson' | 'listPhotos' | 'getPhoto' | 'getPhotoBytes'
>;

interface JudgedPhoto {
  photo: Photo;
  verdict: PhotoVerdict;
}

function photoView({ photo, verdict }: JudgedPhoto): PhotoView {
  return {
    id: photo.id,
    fileName: photo.fileName,
    byteLength: photo.byteLength,
    createdAt: photo.createdAt,
    status: verdict.status,
    reasons: verdict.reasons,
    quality: verdict.quality,
    lookalike: verdict.lookalike,
  };
}

function summary(person: Person, photos: readonly JudgedPhoto[]): PersonSummary {
  return {
    ...person,
    photoCount: photos.length,
    usablePhotoCount: photos.filter((p) => p.verdict.status === 'accepted').length,
    state: personState(photos.map((p) => p.verdict.status)),
    portraitPhotoId: portraitPhoto(photos)?.photo.id ?? null,
  };
}

export class PeopleService {
  constructor(private readonly deps: { store: PeopleStore }) {}

  /** A page of the gallery, in the store's order. */
  async list(page?: PageOptions): Promise<Page<PersonSummary>> {
    const people = await this.deps.store.listPeople(page);
    const items: PersonSummary[] = [];
    // One read per person: a page holds at most a few hundred, each read an indexed lookup.
    for (const person of people.items) items.push(summary(person, await this.#judgedPhotos(person.id)));
    return { items, nextOffset: people.nextOffset };
  }

  /**
   * Everyone with this name (without ASCII case), earliest enrolled first: the People page asks
   * "is this one of them, or a new person?" before enrolling a name that is taken.
   */
  async named(name: string): Promise<PersonSummary[]> {
    const items: PersonSummary[] = [];
    for (const person of await this.deps.store.findPeopleByName(name)) {
      items.push(summary(person, await this.#judgedPhotos(person.id)));
    }
    return items;
  }

  /** @throws `NOT_FOUND` when nobody has this id. */
  async get(id: string): Promise<PersonDetail> {
    const person = await this.#person(id);
    const photos = await this.#judgedPhotos(id);
    return { ...summary(person, photos), photos: photos.map(photoView) };
  }

  /**
   * A photo's thumbnail: the face cut out square once training found it, else the whole photo
   * scaled down (a refused photo shows what was wrong with it).
   * @throws `NOT_FOUND` when the photo is not this person's.
   */
  async thumbnail(personId: string, photoId: string): Promise<Thumbnail> {
    const photo = await this.deps.store.getPhoto(photoId);
    if (photo?.personId !== personId) {
      throw new RollcallError(ErrorCode.NotFound, `${personId} has no photo ${photoId}`);
    }
    const { box } = readPhotoVerdict(photo.quality);
    const where = box ? [box.x, box.y, box.width, box.height].map((v) => Math.round(v)).join('.') : 'whole';
    return {
      etag: `"${photo.id}.${where}.${THUMBNAIL_PX}"`,
      render: async () => {
        const bytes = await this.deps.store.getPhotoBytes(photoId);
        if (!bytes) throw new RollcallError(ErrorCode.NotFound, `${personId} has no photo ${photoId}`);
        try {
          return await photoThumbnail(bytes, { box, sizePx: THUMBNAIL_PX });
        } catch (error) {
          // Uploads are checked by their first bytes only; a damaged photo has no thumbnail.
          throw new RollcallError(
            ErrorCode.ImageUnsupported,
            `${photo.fileName} is damaged and cannot be shown`,
            {
              cause: error,
            },
          );
        }
      },
    };
  }

  /** The person's name, or null once they are erased (a frame may still carry their id). */
  async nameOf(id: string): Promise<string | null> {
    return (await this.deps.store.getPerson(id))?.name ?? null;
  }

  async #person(id: string): Promise<Person> {
    const person = await this.deps.store.getPerson(id);
    if (!person) throw new RollcallError(ErrorCode.NotFound, `nobody has the id ${id}`);
    return person;
  }

  async #judgedPhotos(personId: string): Promise<JudgedPhoto[]> {
    return (await this.deps.store.listPhotos(personId)).map((photo) => ({
      photo,
      verdict: readPhotoVerdict(photo.quality),
    }));
  }
}
