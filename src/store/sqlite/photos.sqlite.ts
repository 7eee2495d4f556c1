/**
 * Photos (their bytes in the database), descriptors and the gallery in SQLite.
 */
import type { DescriptorModel } from '../../core/index.js';
import type { CheckedPage, CheckedPhoto, PhotosAdapter } from '../adapter.js';
import { decodeDescriptor, encodeDescriptor } from '../descriptor-blob.js';
import type { Gallery, GalleryChange, JsonValue, Photo, StoredDescriptor } from '../store.js';
import { notFound } from '../validate.js';
import { asBuffer, asBytes, type SqliteConnection } from './connection.sqlite.js';

interface PhotoRow {
  id: string;
  person_id: string;
  file_name: string;
  byte_length: number;
  quality: string;
  created_at: string;
}

interface DescriptorRow {
  id: string;
  person_id: string;
  photo_id: string;
  model: DescriptorModel;
  created_at: string;
  descriptor: Buffer;
}

const PHOTO_COLUMNS = 'id, person_id, file_name, byte_length, quality, created_at';

const toPhoto = (r: PhotoRow): Photo => ({
  id: r.id,
  personId: r.person_id,
  fileName: r.file_name,
  byteLength: r.byte_length,
  quality: JSON.parse(r.quality) as JsonValue,
  createdAt: r.created_at,
});

export class SqlitePhotos implements PhotosAdapter {
  constructor(private readonly db: SqliteConnection) {}

  addPhoto({ personId, fileName, bytes, quality }: CheckedPhoto): Photo {
    return this.db.write(() => {
      if (!this.db.sql('SELECT 1 FROM people WHERE id = ?').get(personId)) {
        throw notFound(`no person with id ${personId}`);
      }
      const row = this.db
        .sql(
          `INSERT INTO photos (id, person_id, file_name, byte_length, quality, created_at, bytes)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${PHOTO_COLUMNS}`,
        )
        .get(
          this.db.newId(),
          personId,
          fileName,
          bytes.byteLength,
          quality,
          this.db.nowIso(),
          asBuffer(bytes),
        ) as PhotoRow;
      return toPhoto(row);
    });
  }

  getPhoto(id: string): Photo | null {
    const row = this.db.sql(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE id = ?`).get(id) as
      PhotoRow | undefined;
    return row ? toPhoto(row) : null;
  }

  getPhotoBytes(id: string): Uint8Array | null {
    const row = this.db.sql('SELECT bytes FROM photos WHERE id = ?').get(id) as { bytes: Buffer } | undefined;
    return asBytes(row?.bytes);
  }

  listPhotos(personId: string): Photo[] {
    const rows = this.db
      .sql(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE person_id = ? ORDER BY created_at, id`)
      .all(personId) as PhotoRow[];
    return rows.map(toPhoto);
  }

  setPhotoQuality(id: string, quality: string): Photo | null {
    const row = this.db
      .sql(`UPDATE photos SET quality = ? WHERE id = ? RETURNING ${PHOTO_COLUMNS}`)
      .get(quality, id) as PhotoRow | undefined;
    return row ? toPhoto(row) : null;
  }

  deletePhoto(id: string): GalleryChange {
    return this.db.write(() => {
      if (this.db.sql('DELETE FROM photos WHERE id = ?').run(id).changes === 0) {
        throw notFound(`no photo with id ${id}`);
      }
      return { galleryVersion: this.db.bumpGallery() };
    });
  }

  setPhotoDescriptors(
    photoId: string,
    model: DescriptorModel,
    descriptors: readonly Float32Array[],
    bumpGallery: boolean,
  ): GalleryChange {
    return this.db.write(() => {
      const photo = this.db.sql('SELECT person_id FROM photos WHERE id = ?').get(photoId) as
        { person_id: string } | undefined;
      if (!photo) throw notFound(`no photo with id ${photoId}`);
      this.db.sql('DELETE FROM descriptors WHERE photo_id = ? AND model = ?').run(photoId, model);
      const insert = this.db.sql(
        `INSERT INTO descriptors (id, person_id, photo_id, model, created_at, descriptor)
           VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const now = this.db.nowIso();
      for (const d of descriptors)
        insert.run(this.db.newId(), photo.person_id, photoId, model, now, encodeDescriptor(d));
      return { galleryVersion: bumpGallery ? this.db.bumpGallery() : this.db.galleryVersion() };
    });
  }

  listDescriptors(personId: string, model: DescriptorModel | undefined): StoredDescriptor[] {
    const rows = (
      model === undefined
        ? this.db
            .sql('SELECT * FROM descriptors WHERE person_id = ? ORDER BY created_at, rowid')
            .all(personId)
        : this.db
            .sql('SELECT * FROM descriptors WHERE person_id = ? AND model = ? ORDER BY created_at, rowid')
            .all(personId, model)
    ) as DescriptorRow[];
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      photoId: r.photo_id,
      model: r.model,
      createdAt: r.created_at,
      descriptor: decodeDescriptor(r.descriptor, r.model),
    }));
  }

  listPhotosLackingDescriptors(model: DescriptorModel, { limit, offset }: CheckedPage): Photo[] {
    // Photos added in one millisecond share created_at; rowid keeps them in the order they came.
    const rows = this.db
      .sql(
        `SELECT ${PHOTO_COLUMNS} FROM photos p
         WHERE EXISTS (SELECT 1 FROM descriptors d WHERE d.photo_id = p.id AND d.model <> ?)
           AND NOT EXISTS (SELECT 1 FROM descriptors d WHERE d.photo_id = p.id AND d.model = ?)
         ORDER BY created_at, p.rowid LIMIT ? OFFSET ?`,
      )
      .all(model, model, limit + 1, offset) as PhotoRow[];
    return rows.map(toPhoto);
  }

  getGalleryVersion(): number {
    return this.db.galleryVersion();
  }

  bumpGalleryVersion(): GalleryChange {
    return this.db.write(() => ({ galleryVersion: this.db.bumpGallery() }));
  }

  getGallery(model: DescriptorModel): Gallery {
    // A read transaction: the version and the rows come from one snapshot.
    return this.db.read((): Gallery => {
      const galleryVersion = this.db.galleryVersion();
      const rows = this.db
        .sql(
          `SELECT p.id, p.name, d.descriptor FROM people p JOIN descriptors d ON d.person_id = p.id
           WHERE d.model = ? ORDER BY p.name, p.id, d.created_at, d.rowid`,
        )
        .all(model) as { id: string; name: string; descriptor: Buffer }[];
      const people: Gallery['people'] = [];
      for (const row of rows) {
        let last = people.at(-1);
        if (last?.personId !== row.id) {
          last = { personId: row.id, name: row.name, descriptors: [] };
          people.push(last);
        }
        last.descriptors.push(decodeDescriptor(row.descriptor, model));
      }
      return { galleryVersion, model, people };
    });
  }
}
