/**
 * One person (`/people/:id`): their photos with what training made of each (used, refused and
 * why, waiting), adding photos by upload or webcam, removing a photo, their external id (student or
 * staff number, editable), and deleting the person with their attendance erased or kept anonymised.
 */
import type {
  PersonAnswer,
  PersonDetail,
  PersonRemovedAnswer,
  PersonUpdatedAnswer,
  PhotoView,
} from '../../api-views.js';
import { PERSON_IDS as ID } from '../../page-ids.js';
import { mountHistoryCalendar } from '../people/history-calendar.js';
import { api, json } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';
import {
  askHowToDelete,
  initials,
  photoCount,
  sendPhotos,
  STATE_WORDS,
  thumbnailUrl,
  TrainingBox,
  Webcam,
} from '../lib/enrollment.js';
import { formatDate } from '../lib/time.js';

const personId = byId(ID.frame, HTMLElement).dataset.personId ?? '';
const base = `/api/v1/people/${encodeURIComponent(personId)}`;
const form = byId(ID.add, HTMLFormElement);
const training = new TrainingBox(ID);
const title = byId(ID.title, HTMLElement);
let person: PersonDetail | null = null;

async function load(): Promise<void> {
  try {
    ({ person } = await api<PersonAnswer>(base));
    showError(ID.error, null);
    render(person);
  } catch (error) {
    showError(ID.error, error);
  }
}

function render(p: PersonDetail): void {
  document.title = `${p.name} · Rollcall`;
  title.textContent = p.name;
  const portrait = byId(ID.portrait, HTMLElement);
  portrait.replaceChildren(
    p.portraitPhotoId
      ? el('img', { src: thumbnailUrl(p.id, p.portraitPhotoId), alt: '', width: '96', height: '96' })
      : el('span', { class: 'initials', 'aria-hidden': 'true' }, initials(p.name)),
  );
  const state = byId(ID.state, HTMLElement);
  state.textContent = STATE_WORDS[p.state];
  state.className = `badge state-${p.state}`;
  byId(ID.summary, HTMLElement).textContent =
    `${photoCount(p.photoCount)}, ${p.usablePhotoCount} used for recognition · enrolled ${formatDate(p.createdAt)}`;
  showExternalId(p);
  byId(ID.hint, HTMLElement).hidden = p.state !== 'not-recognisable';
  byId(ID.photos, HTMLUListElement).replaceChildren(...p.photos.map((photo) => photoCard(p, photo)));
  byId(ID.photosEmpty, HTMLElement).hidden = p.photos.length > 0;
}

const STATUS_WORDS: Record<PhotoView['status'], string> = {
  accepted: 'Used',
  refused: 'Refused',
  pending: 'Waiting for training',
};

/** The face's measures in words: size, and whether it is sharp and frontal enough to trust. */
function measures(photo: PhotoView): string {
  const q = photo.quality;
  if (!q) return '';
  return `Face ${Math.round(q.sizePx)} px · ${Math.round(q.score * 100)}% sure · ${q.frontality >= 0.6 ? 'frontal' : 'turned'}`;
}

function photoCard(p: PersonDetail, photo: PhotoView): HTMLLIElement {
  const remove = el('button', { type: 'button', class: 'danger' }, 'Remove');
  remove.setAttribute('aria-label', `Remove ${photo.fileName}`);
  remove.addEventListener('click', () => {
    const last = p.usablePhotoCount === 1 && photo.status === 'accepted';
    const warning = last ? ` It is the only photo the cameras know ${p.name} by.` : '';
    if (!confirm(`Remove ${photo.fileName}?${warning}`)) return;
    remove.disabled = true;
    void (async () => {
      try {
        await api(`${base}/photos/${encodeURIComponent(photo.id)}`, { method: 'DELETE' });
        await load();
      } catch (error) {
        remove.disabled = false;
        showError(ID.error, error);
      }
    })();
  });
  const details: HTMLElement[] = [];
  if (photo.status === 'refused')
    details.push(el('ul', { class: 'reasons' }, ...photo.reasons.map((r) => el('li', {}, r))));
  else if (photo.status === 'accepted') details.push(el('p', { class: 'muted' }, measures(photo)));
  if (photo.lookalike)
    details.push(
      el(
        'p',
        { class: 'lookalike' },
        `Looks like ${photo.lookalike.name} (distance ${photo.lookalike.distance.toFixed(2)})`,
      ),
    );
  return el(
    'li',
    { class: `photo-card status-${photo.status}`, 'data-photo': photo.fileName },
    el('img', {
      src: thumbnailUrl(p.id, photo.id),
      alt: photo.fileName,
      width: '160',
      height: '160',
    }),
    el(
      'div',
      { class: 'photo-info' },
      el('span', { class: `badge status-${photo.status}` }, STATUS_WORDS[photo.status]),
      el('span', { class: 'file' }, photo.fileName),
      ...details,
      remove,
    ),
  );
}

// ---- the external id: shown under the summary, edited in place ----

const externalIdInput = el('input', {
  id: 'person-external-id-input',
  name: 'externalId',
  maxlength: '100',
  autocomplete: 'off',
});
const externalIdState = el('span', { class: 'muted', role: 'status' });
const externalIdForm = el(
  'form',
  { class: 'external-id-form', id: 'person-external-id' },
  el('label', { for: 'person-external-id-input' }, 'Student or staff number'),
  externalIdInput,
  el('button', { type: 'submit' }, 'Save'),
  externalIdState,
);
byId(ID.summary, HTMLElement).after(externalIdForm);

function showExternalId(p: PersonDetail): void {
  if (document.activeElement !== externalIdInput) externalIdInput.value = p.externalId ?? '';
  externalIdInput.placeholder = p.externalId === null ? 'none' : '';
}

externalIdForm.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const typed = externalIdInput.value.trim();
  externalIdState.className = 'muted';
  externalIdState.textContent = 'Saving…';
  void (async () => {
    try {
      const { person: saved } = await api<PersonUpdatedAnswer>(
        base,
        json('PATCH', { externalId: typed === '' ? null : typed }),
      );
      externalIdInput.value = saved.externalId ?? '';
      externalIdState.className = 'ok';
      externalIdState.textContent = saved.externalId === null ? 'Cleared.' : 'Saved.';
    } catch (error) {
      externalIdState.className = 'error';
      externalIdState.textContent = errorText(error);
    }
  })();
});

byId(ID.remove, HTMLButtonElement).addEventListener('click', (click) => {
  const button = click.currentTarget as HTMLButtonElement;
  const name = person?.name ?? 'this person';
  void (async () => {
    const attendance = await askHowToDelete(name);
    if (attendance === null) return;
    button.disabled = true;
    try {
      await api<PersonRemovedAnswer>(`${base}?attendance=${attendance}`, { method: 'DELETE' });
      location.assign('/people');
    } catch (error) {
      button.disabled = false;
      showError(ID.error, errorText(error));
    }
  })();
});

form.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  void (async () => {
    try {
      const added = await training.run(() => sendPhotos(`${base}/photos`, new FormData(form)), load);
      await load();
      if (added) form.reset();
    } finally {
      if (button) button.disabled = false;
    }
  })();
});

new Webcam(ID, (photos) =>
  (async () => {
    const added = await training.run(() => sendPhotos(`${base}/photos`, photos), load);
    await load();
    return added;
  })(),
);

void load();
mountHistoryCalendar(byId(ID.frame, HTMLElement), personId);
