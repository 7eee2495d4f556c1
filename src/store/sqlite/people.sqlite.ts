/**
 * People in SQLite, and the erasure of everything a deleted person leaves behind.
 */
import { deletedPersonName, type ErasureStep } from '../../core/index.js';
import type { CheckedPage, PeopleAdapter } from '../adapter.js';
import type { DeletedPerson, GalleryChange, NewPerson, Person, PersonPatch } from '../store.js';
import { conflict, notFound } from '../validate.js';
import type { SqliteConnection } from './connection.sqlite.js';

export interface PersonRow {
  id: string;
  name: string;
  external_id: string | null;
  notes: string;
  created_at: string;
  updated_at: string;
}

export const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  externalId: r.external_id,
  notes: r.notes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class SqlitePeople implements PeopleAdapter {
  constructor(private readonly db: SqliteConnection) {}

  createPerson({ name, externalId, notes }: Required<NewPerson>): { person: Person } & GalleryChange {
    return this.db.write(() => {
      this.refuseTakenExternalId(externalId, null);
      const now = this.db.nowIso();
      const row = this.db
        .sql(
          `INSERT INTO people (id, name, external_id, notes, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(this.db.newId(), name, externalId, notes, now, now) as PersonRow;
      return { person: toPerson(row), galleryVersion: this.db.bumpGallery() };
    });
  }

  /** Names may repeat; an external id may not (checked here for a message that names it). */
  private refuseTakenExternalId(externalId: string | null | undefined, ownId: string | null): void {
    if (externalId === null || externalId === undefined) return;
    const holder = this.db
      .sql('SELECT name FROM people WHERE external_id = ? AND id IS NOT ?')
      .get(externalId, ownId) as { name: string } | undefined;
    if (holder) throw conflict(`the external id "${externalId}" is already ${holder.name}'s`);
  }

  getPerson(id: string): Person | null {
    const row = this.db.sql('SELECT * FROM people WHERE id = ?').get(id) as PersonRow | undefined;
    return row ? toPerson(row) : null;
  }

  getPersonByName(name: string): Person | null {
    return this.findPeopleByName(name, 1)[0] ?? null;
  }

  findPeopleByName(name: string, limit: number): Person[] {
    const rows = this.db
      .sql('SELECT * FROM people WHERE name = ? ORDER BY created_at, rowid LIMIT ?')
      .all(name, limit) as PersonRow[];
    return rows.map(toPerson);
  }

  getPersonByExternalId(externalId: string): Person | null {
    const row = this.db.sql('SELECT * FROM people WHERE external_id = ?').get(externalId) as
      PersonRow | undefined;
    return row ? toPerson(row) : null;
  }

  listPeople({ limit, offset }: CheckedPage): Person[] {
    const rows = this.db
      .sql('SELECT * FROM people ORDER BY name, created_at, rowid LIMIT ? OFFSET ?')
      .all(limit + 1, offset) as PersonRow[];
    return rows.map(toPerson);
  }

  updatePerson(id: string, { name, externalId, notes }: PersonPatch): { person: Person } & GalleryChange {
    return this.db.write(() => {
      const current = this.db.sql('SELECT * FROM people WHERE id = ?').get(id) as PersonRow | undefined;
      if (!current) throw notFound(`no person with id ${id}`);
      this.refuseTakenExternalId(externalId, id);
      const row = this.db
        .sql(
          'UPDATE people SET name = ?, external_id = ?, notes = ?, updated_at = ? WHERE id = ? RETURNING *',
        )
        .get(
          name ?? current.name,
          externalId === undefined ? current.external_id : externalId,
          notes ?? current.notes,
          this.db.nowIso(),
          id,
        ) as PersonRow;
      // Reports show the current name while the person exists.
      if (name !== undefined) {
        this.db.sql('UPDATE attendance SET person_name = ? WHERE person_id = ?').run(name, id);
      }
      return { person: toPerson(row), galleryVersion: this.db.bumpGallery() };
    });
  }

  deletePerson(id: string, steps: readonly ErasureStep[]): DeletedPerson {
    return this.db.write(() => {
      if (!this.db.sql('SELECT 1 FROM people WHERE id = ?').get(id))
        throw notFound(`no person with id ${id}`);
      let anonymisedAs: string | null = null;
      const erase = {
        descriptors: () => this.db.sql('DELETE FROM descriptors WHERE person_id = ?').run(id).changes,
        photos: () => this.db.sql('DELETE FROM photos WHERE person_id = ?').run(id).changes,
        eventCrops: () =>
          this.db
            .sql(
              `UPDATE events SET crop = NULL WHERE crop IS NOT NULL AND (person_id = @id
               OR id IN (SELECT event_id FROM unknown_faces WHERE assigned_person_id = @id))`,
            )
            .run({ id }).changes,
        unknownFaces: () => {
          this.db
            .sql(
              'UPDATE unknown_faces SET candidate_person_id = NULL, candidate_distance = NULL WHERE candidate_person_id = ?',
            )
            .run(id);
          return this.db.sql('DELETE FROM unknown_faces WHERE assigned_person_id = ?').run(id).changes;
        },
        attendance: () => {
          this.db.sql('DELETE FROM attendance_corrections WHERE person_id = ?').run(id);
          this.db.sql('DELETE FROM session_excuses WHERE person_id = ?').run(id);
          return this.db.sql('DELETE FROM attendance WHERE person_id = ?').run(id).changes;
        },
        anonymiseAttendance: () => {
          const { number } = this.db
            .sql(
              `INSERT INTO deleted_people (number, person_id, deleted_at)
               VALUES ((SELECT coalesce(max(number), 0) + 1 FROM deleted_people), ?, ?) RETURNING number`,
            )
            .get(id, this.db.nowIso()) as { number: number };
          const name = deletedPersonName(number);
          anonymisedAs = name;
          // The corrections' snapshots carry the name too; they are JSON text (or NULL).
          this.db
            .sql(
              `UPDATE attendance_corrections SET
               before = CASE WHEN before IS NULL THEN NULL ELSE json_set(before, '$.personName', @name) END,
               after = CASE WHEN after IS NULL THEN NULL ELSE json_set(after, '$.personName', @name) END
             WHERE person_id = @id`,
            )
            .run({ id, name });
          return this.db.sql('UPDATE attendance SET person_name = ? WHERE person_id = ?').run(name, id)
            .changes;
        },
      } satisfies Record<ErasureStep, () => number>;
      const erased = { descriptors: 0, photos: 0, eventCrops: 0, unknownFaces: 0, attendance: 0 };
      for (const step of steps) {
        erased[step === 'anonymiseAttendance' ? 'attendance' : step] = erase[step]();
      }
      this.db.sql('DELETE FROM people WHERE id = ?').run(id);
      return { ...erased, anonymisedAs, galleryVersion: this.db.bumpGallery() };
    });
  }
}
