/**
 * Photos (their bytes in the database), descriptors and the gallery in MongoDB.
 */
import mongoose from 'mongoose';
import type { DescriptorModel } from '../../core/index.js';
import type { CheckedPage, CheckedPhoto, PhotosAdapter } from '../adapter.js';
import { decodeDescriptor, encodeDescriptor } from '../descriptor-blob.js';
import type { Gallery, GalleryChange, JsonValue, Photo, StoredDescriptor } from '../store.js';
import { notFound } from '../validate.js';
import { asBuffer, asBytes, type MongoConnection } from './connection.mongo.js';
import type { DescriptorDoc, Filter, PhotoDoc } from './documents.mongo.js';

const toPhoto = (d: Omit<PhotoDoc, 'bytes'>): Photo => ({
  id: d._id,
  personId: d.personId,
  fileName: d.fileName,
  byteLength: d.byteLength,
  quality: JSON.parse(d.quality) as JsonValue,
  createdAt: d.createdAt,
});

/** Everything but the bytes: lists and lookups never carry photos or crops they do not need. */
const PHOTO_FIELDS = { bytes: 0 } as const;

export class MongoPhotos implements PhotosAdapter {
  constructor(private readonly db: MongoConnection) {}

  addPhoto({ personId, fileName, bytes, quality }: CheckedPhoto): Promise<Photo> {
    return this.db.write(async (session) => {
      if (!(await this.db.people.findOne({ _id: personId }, { session }))) {
        throw notFound(`no person with id ${personId}`);
      }
      const doc: PhotoDoc = {
        _id: this.db.newId(),
        personId,
        fileName,
        byteLength: bytes.byteLength,
        quality,
        createdAt: this.db.nowIso(),
        bytes: asBuffer(bytes),
      };
      await this.db.photos.insertOne(doc, { session });
      return toPhoto(doc);
    });
  }

  async getPhoto(id: string): Promise<Photo | null> {
    const doc = await this.db.photos.findOne({ _id: id }, { projection: PHOTO_FIELDS });
    return doc ? toPhoto(doc) : null;
  }

  async getPhotoBytes(id: string): Promise<Uint8Array | null> {
    const doc = await this.db.photos.findOne({ _id: id }, { projection: { bytes: 1 } });
    return asBytes(doc?.bytes);
  }

  async listPhotos(personId: string): Promise<Photo[]> {
    const docs = await this.db.photos
      .find({ personId }, { projection: PHOTO_FIELDS })
      .sort({ createdAt: 1, _id: 1 })
      .toArray();
    return docs.map(toPhoto);
  }

  async setPhotoQuality(id: string, quality: string): Promise<Photo | null> {
    const doc = await this.db.photos.findOneAndUpdate(
      { _id: id },
      { $set: { quality } },
      { returnDocument: 'after', projection: PHOTO_FIELDS },
    );
    return doc ? toPhoto(doc) : null;
  }

  deletePhoto(id: string): Promise<GalleryChange> {
    return this.db.write(async (session) => {
      if ((await this.db.photos.deleteOne({ _id: id }, { session })).deletedCount === 0) {
        throw notFound(`no photo with id ${id}`);
      }
      await this.db.descriptors.deleteMany({ photoId: id }, { session });
      return { galleryVersion: await this.db.bumpGallery(session) };
    });
  }

  setPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    bumpGallery: boolean,
  ): Promise<GalleryChange> {
    return this.db.write(async (session) => {
      const photo = await this.db.photos.findOne({ _id: photoId }, { session, projection: { personId: 1 } });
      if (!photo) throw notFound(`no photo with id ${photoId}`);
      await this.db.descriptors.deleteMany({ photoId, model }, { session });
      const now = this.db.nowIso();
      if (descriptors.length > 0) {
        await this.db.descriptors.insertMany(
          descriptors.map((d) => ({
            _id: this.db.newId(),
            personId: photo.personId,
            photoId,
            model,
            createdAt: now,
            seq: new mongoose.mongo.ObjectId(),
            descriptor: encodeDescriptor(d),
          })),
          { session, ordered: true },
        );
      }
      return {
        galleryVersion: bumpGallery
          ? await this.db.bumpGallery(session)
          : await this.db.galleryVersion(session),
      };
    });
  }

  async listDescriptors(personId: string, model: DescriptorModel | undefined): Promise<StoredDescriptor[]> {
    const filter: Filter<DescriptorDoc> = { personId };
    if (model !== undefined) filter.model = model;
    const docs = await this.db.descriptors.find(filter).sort({ createdAt: 1, seq: 1 }).toArray();
    return docs.map((d) => ({
      id: d._id,
      personId: d.personId,
      photoId: d.photoId,
      model: d.model,
      createdAt: d.createdAt,
      descriptor: decodeDescriptor(asBytes(d.descriptor) ?? new Uint8Array(), d.model),
    }));
  }

  async listPhotosLackingDescriptors(
    model: DescriptorModel,
    { limit, offset }: CheckedPage,
  ): Promise<Photo[]> {
    // Two distinct-lists rather than a $lookup: photo ids are small, and this runs once per job.
    const [other, own] = await Promise.all([
      this.db.descriptors.distinct('photoId', { model: { $ne: model } }),
      this.db.descriptors.distinct('photoId', { model }),
    ]);
    const docs = await this.db.photos
      .find({ _id: { $in: other, $nin: own } }, { projection: PHOTO_FIELDS })
      .sort({ createdAt: 1, _id: 1 })
      .skip(offset)
      .limit(limit + 1)
      .toArray();
    return docs.map(toPhoto);
  }

  getGalleryVersion(): Promise<number> {
    return this.db.galleryVersion();
  }

  bumpGalleryVersion(): Promise<GalleryChange> {
    return this.db.write(async (session) => ({ galleryVersion: await this.db.bumpGallery(session) }));
  }

  getGallery(model: DescriptorModel): Promise<Gallery> {
    // A snapshot transaction: the version and the descriptors come from one point in time.
    return this.db.write(async (session): Promise<Gallery> => {
      const galleryVersion = await this.db.galleryVersion(session);
      const people = await this.db.people
        .find({}, { session, projection: { name: 1, nameKey: 1 } })
        .sort({ nameKey: 1, _id: 1 })
        .toArray();
      const byPerson = new Map<string, Float32Array[]>();
      const cursor = this.db.descriptors
        .find({ model }, { session, projection: { personId: 1, descriptor: 1 } })
        .sort({ createdAt: 1, seq: 1 });
      for await (const d of cursor) {
        const list = byPerson.get(d.personId) ?? [];
        list.push(decodeDescriptor(asBytes(d.descriptor) ?? new Uint8Array(), model));
        byPerson.set(d.personId, list);
      }
      const result: Gallery['people'] = [];
      for (const p of people) {
        const descriptors = byPerson.get(p._id);
        if (descriptors) result.push({ personId: p._id, name: p.name, descriptors });
      }
      return { galleryVersion, model, people: result };
    });
  }
}
