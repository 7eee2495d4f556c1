/**
 * Unknown faces: the crops nobody could name, newest first; assign one to someone enrolled (by a
 * name one person has, or the namesake chosen) or, once confirmed, to a new person (with the
 * training job's progress), or dismiss it; filtered by status. A typo never enrolls a stranger.
 */
import type {
  AssignAnswer,
  PeopleAnswer,
  ReviewedFace,
  TrainingResult,
  UnknownFacesAnswer,
} from '../../api-views.js';
import { UNKNOWN_FACES_IDS as ID } from '../../page-ids.js';
import { allPages, api, json, watchJob } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';
import { formatDate, formatDateTime } from '../lib/time.js';

type PersonView = PeopleAnswer['people'][number];

const grid = byId(ID.faces, HTMLElement);
const status = byId(ID.status, HTMLSelectElement);
let people: PersonView[] = [];

async function loadPeople(): Promise<void> {
  people = await allPages<'people', PersonView>('/api/v1/people', 'people');
  people.sort((a, b) => a.name.localeCompare(b.name));
  byId(ID.peopleNames, HTMLDataListElement).replaceChildren(
    ...people.map((p) =>
      el(
        'option',
        p.externalId === null ? { value: p.name } : { value: p.name, label: `${p.name} (${p.externalId})` },
      ),
    ),
  );
}

function faceUrl(face: ReviewedFace, action: string): string {
  return `/api/v1/unknown-faces/${encodeURIComponent(face.id)}/${action}`;
}

function faceCard(face: ReviewedFace): HTMLElement {
  const when = formatDateTime(face.at);
  const card = el(
    'figure',
    { class: 'face', 'data-face': face.id, 'data-status': face.status },
    face.hasCrop
      ? el('img', { src: faceUrl(face, 'crop.jpg'), alt: `unknown face seen ${when}` })
      : el('p', { class: 'muted' }, '(picture no longer kept)'),
    el('figcaption', {}, el('strong', {}, when), el('br'), `camera ${face.cameraId} on ${face.nodeId}`),
  );
  const state = el('p', { class: 'face-state', role: 'status' });
  if (face.status === 'assigned')
    state.textContent = `Assigned to ${face.assignedPersonName ?? 'a deleted person'}`;
  if (face.status === 'dismissed') state.textContent = 'Dismissed';
  card.append(state);
  if (face.status !== 'open') return card;
  const name = el('input', {
    name: 'name',
    list: ID.peopleNames,
    placeholder: 'Who is this?',
    required: '',
    maxlength: '200',
    'aria-label': 'name of the person',
  });
  const assignButton = el('button', { type: 'submit' }, 'Assign');
  const assign = el('form', {}, name, assignButton);
  const progress = el('progress', { max: '100', value: '0', hidden: '' });
  const dismiss = el('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
  if (face.unconfirmed && face.candidate) {
    // The camera held this face back: it came near someone enrolled without being sure enough.
    const candidate = face.candidate;
    const yes = el('button', { type: 'button', class: 'candidate-yes' }, `Yes, ${candidate.name}`);
    yes.addEventListener('click', () => {
      name.value = candidate.name;
      assign.requestSubmit();
    });
    card.append(
      el(
        'p',
        { class: 'candidate' },
        `Not marked present: looks like ${candidate.name}, but not enough to be sure. Is it?`,
      ),
      yes,
    );
  }
  card.append(assign, dismiss, progress);
  /** The question under the form: a new person, or which of several namesakes; removed when answered. */
  const question = el('div', { class: 'assign-question', role: 'group', 'aria-label': 'whom to assign to' });
  question.hidden = true;
  const ask = (text: string, ...buttons: HTMLButtonElement[]): void => {
    const cancel = el('button', { type: 'button' }, 'Cancel');
    cancel.addEventListener('click', () => {
      question.hidden = true;
      question.replaceChildren();
      name.focus();
    });
    question.replaceChildren(el('p', {}, text), ...buttons, cancel);
    question.hidden = false;
    buttons[0]?.focus();
  };
  card.insertBefore(question, dismiss);

  assign.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = name.value.trim();
    // A name one person has adds the face to them; several ask which; a new name asks first.
    const named = people.filter((p) => p.name.toLowerCase() === typed.toLowerCase());
    const [only] = named;
    if (only && named.length === 1) {
      send({ personId: only.id });
    } else if (only) {
      ask(
        `${named.length} people are called ${typed}. Which one is this?`,
        ...named.map((p) => {
          const choice = el(
            'button',
            { type: 'button', class: 'namesake-choice' },
            `${p.name} · ${p.externalId ?? 'no external id'} · enrolled ${formatDate(p.createdAt)}`,
          );
          choice.addEventListener('click', () => {
            send({ personId: p.id });
          });
          return choice;
        }),
      );
    } else {
      const create = el('button', { type: 'button', class: 'confirm-new' }, 'Enroll a new person');
      create.addEventListener('click', () => {
        send({ name: typed, createPerson: true });
      });
      ask(`No one is called “${typed}”. Enroll a new person with this face?`, create);
    }
  });

  function send(body: { personId: string } | { name: string; createPerson: true }): void {
    question.hidden = true;
    question.replaceChildren();
    assignButton.disabled = dismiss.disabled = true;
    state.className = 'face-state';
    state.textContent = 'Assigning…';
    void (async () => {
      try {
        const { person, jobId } = await api<AssignAnswer>(faceUrl(face, 'assign'), json('POST', body));
        assign.remove();
        dismiss.remove();
        for (const stale of card.querySelectorAll('.candidate, .candidate-yes')) stale.remove();
        progress.hidden = false;
        const job = await watchJob(jobId, (j) => {
          progress.value = typeof j.progress === 'number' ? j.progress : 0;
          state.textContent = `Training ${person.name}… (${j.state})`;
        });
        card.dataset.status = 'assigned';
        if (job.state === 'completed') {
          progress.value = 100;
          state.className = 'face-state ok';
          const lookalikes = (job.result as Partial<TrainingResult> | null)?.lookalikes ?? [];
          state.textContent =
            `Assigned to ${person.name}; trained.` +
            lookalikes.map((l) => ` Warning: the face ${l.message.replace(/^[^:]*: /, '')}.`).join('');
          if (lookalikes.length) state.className = 'face-state warning';
        } else {
          state.className = 'face-state error';
          state.textContent = `Assigned to ${person.name}, but training refused the picture: ${job.failedReason ?? 'unknown reason'}`;
        }
        void loadPeople();
      } catch (error) {
        assignButton.disabled = dismiss.disabled = false;
        state.className = 'face-state error';
        state.textContent = errorText(error);
      }
    })();
  }
  dismiss.addEventListener('click', () => {
    dismiss.disabled = true;
    void (async () => {
      try {
        await api(faceUrl(face, 'dismiss'), { method: 'POST' });
        card.remove();
        byId(ID.empty, HTMLElement).hidden = grid.children.length > 0;
      } catch (error) {
        dismiss.disabled = false;
        state.className = 'face-state error';
        state.textContent = errorText(error);
      }
    })();
  });
  return card;
}

async function loadFaces(): Promise<void> {
  try {
    const { faces } = await api<UnknownFacesAnswer>(`/api/v1/unknown-faces?limit=200&status=${status.value}`);
    grid.replaceChildren(...faces.map(faceCard));
    byId(ID.empty, HTMLElement).hidden = faces.length > 0;
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
}

status.addEventListener('change', () => void loadFaces());
loadPeople()
  .catch((error: unknown) => {
    showError(ID.error, error);
  })
  .finally(() => void loadFaces());
