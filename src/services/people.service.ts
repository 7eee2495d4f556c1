/**
 * The people enrolled, as the web node reads them: the People page's list, and the name the live
 * view draws over a recognised face. Enrolling and erasing are `EnrollmentService`'s.
 */
import type { Page, PageOptions, Person, Store } from '../store/index.js';

export class PeopleService {
  constructor(private readonly deps: { store: Pick<Store, 'listPeople' | 'getPerson'> }) {}

  list(page?: PageOptions): Promise<Page<Person>> {
    return this.deps.store.listPeople(page);
  }

  /** The person's name, or null once they are erased (a frame may still carry their id). */
  async nameOf(id: string): Promise<string | null> {
    return (await this.deps.store.getPerson(id))?.name ?? null;
  }
}
