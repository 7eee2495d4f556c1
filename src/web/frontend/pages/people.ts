/**
 * People: the gallery (a card per person: face, name, external id, photo count, whether the
 * cameras can recognise them), a search by name or external id, and enrollment by upload or webcam
 * with the training job's progress photo by photo. Enrolling a name someone has asks whether it is
 * them (the photos go to that person) or a new person of the same name. A card opens the person's page.
 */
import type { PeopleAnswer } from '../../api-views.js';
import { PEOPLE_IDS as ID } from '../../page-ids.js';
import { allPages } from '../lib/api.js';
import { byId, el, showError } from '../lib/dom.js';
import {
  askWhichNamesake,
  initials,
  namesakesOf,
  photoCount,
  sendPhotos,
  STATE_WORDS,
  thumbnailUrl,
  TrainingBox,
  Webcam,
} from '../lib/enrollment.js';

type PersonView = PeopleAnswer['people'][number];

const list = byId(ID.list, HTMLUListElement);
const form = byId(ID.enroll, HTMLFormElement);
const nameInput = byId(ID.personName, HTMLInputElement);
const search = byId(ID.search, HTMLInputElement);
const count = byId(ID.count, HTMLElement);
const noMatch = byId(ID.noMatch, HTMLElement);
const training = new TrainingBox(ID);

let everyone: PersonView[] = [];

async function loadPeople(): Promise<void> {
  try {
    everyone = await allPages<'people', PersonView>('/api/v1/people', 'people');
    everyone.sort((a, b) => a.name.localeCompare(b.name));
    showError(ID.error, null);
    render();
  } catch (error) {
    showError(ID.error, error);
  }
}

/** The cards of the people whose name holds the search text (any case, any accents). */
function render(): void {
  const fold = (text: string): string =>
    text
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .toLocaleLowerCase();
  const wanted = fold(search.value.trim());
  const shown =
    wanted === ''
      ? everyone
      : everyone.filter((p) => fold(p.name).includes(wanted) || fold(p.externalId ?? '').includes(wanted));
  list.replaceChildren(...shown.map(personCard));
  count.textContent = everyone.length > 0 ? `(${everyone.length})` : '';
  byId(ID.empty, HTMLElement).hidden = everyone.length > 0;
  noMatch.hidden = everyone.length === 0 || shown.length > 0;
  noMatch.textContent = `Nobody enrolled is called “${search.value.trim()}”.`;
}

function personCard(person: PersonView): HTMLLIElement {
  const face = person.portraitPhotoId
    ? el('img', {
        class: 'portrait',
        src: thumbnailUrl(person.id, person.portraitPhotoId),
        alt: '',
        width: '128',
        height: '128',
        loading: 'lazy',
      })
    : el('span', { class: 'portrait initials', 'aria-hidden': 'true' }, initials(person.name));
  return el(
    'li',
    { class: 'person-card', 'data-person': person.name, 'data-state': person.state },
    el(
      'a',
      { href: `/people/${encodeURIComponent(person.id)}` },
      face,
      el('span', { class: 'name' }, person.name),
      ...(person.externalId === null ? [] : [el('span', { class: 'external-id' }, person.externalId)]),
      el(
        'span',
        { class: 'meta' },
        el('span', {}, photoCount(person.photoCount)),
        el('span', { class: `badge state-${person.state}` }, STATE_WORDS[person.state]),
      ),
    ),
  );
}

search.addEventListener('input', render);

/**
 * Sends the photos to a new person, or to the namesake the administrator says they are. Answers
 * whether training took them in; null when the administrator cancelled.
 */
async function enroll(photos: FormData): Promise<boolean | null> {
  training.clear();
  const field = photos.get('name');
  const name = typeof field === 'string' ? field.trim() : '';
  let target = '/api/v1/people';
  let namesakes: Awaited<ReturnType<typeof namesakesOf>>;
  try {
    namesakes = name === '' ? [] : await namesakesOf(name);
  } catch (error) {
    showError(ID.error, error);
    return null;
  }
  if (namesakes.length > 0) {
    const choice = await askWhichNamesake(name, namesakes);
    if (choice === null) return null;
    if (choice !== 'new') {
      target = `/api/v1/people/${encodeURIComponent(choice.personId)}/photos`;
      photos.delete('name');
      photos.delete('externalId');
    }
  }
  const enrolled = await training.run(() => sendPhotos(target, photos), loadPeople);
  await loadPeople();
  return enrolled;
}

form.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  void (async () => {
    try {
      if ((await enroll(new FormData(form))) === true) form.reset();
    } finally {
      if (button) button.disabled = false;
    }
  })();
});

const webcam: Webcam = new Webcam(ID, (photos) => {
  const name = nameInput.value.trim();
  if (!name) {
    webcam.say("Enter the person's name above first.", 'error');
    nameInput.focus();
    return 'not-ready';
  }
  photos.append('name', name);
  const externalId = byId(ID.externalId, HTMLInputElement).value.trim();
  if (externalId !== '') photos.append('externalId', externalId);
  return (async () => {
    const enrolled = (await enroll(photos)) === true;
    if (enrolled) form.reset();
    return enrolled;
  })();
});

void loadPeople();
