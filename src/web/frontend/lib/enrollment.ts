/**
 * What the People page and a person's page share: the training box under the upload button (the
 * bar moving photo by photo, then what became of each photo, or the failure in red), the webcam
 * that takes photos in the browser, the words for a person's state, and the two questions about a
 * person as a record: "is this the X enrolled, or a new person?" and how to delete them.
 */
import type {
  JobAnswer,
  PeopleAnswer,
  PersonSummary,
  TrainingProgress,
  TrainingResult,
  UploadAnswer,
  UploadRefusal,
} from '../../api-views.js';
import { api, watchJob } from './api.js';
import { byId, el, errorText } from './dom.js';
import { formatDate } from './time.js';

/** The state of a person as the pages say it. */
export const STATE_WORDS: Record<PersonSummary['state'], string> = {
  recognisable: 'Recognisable',
  training: 'Training…',
  'not-recognisable': 'Not recognisable yet',
};

export function photoCount(count: number): string {
  return count === 1 ? '1 photo' : `${count} photos`;
}

/** The person's thumbnail URL: their portrait photo's face. */
export function thumbnailUrl(personId: string, photoId: string): string {
  return `/api/v1/people/${encodeURIComponent(personId)}/photos/${encodeURIComponent(photoId)}/thumbnail.jpg`;
}

/** One to two letters for a person without a portrait. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words.at(-1)] : [words[0]];
  return letters
    .map((w) => Array.from(w ?? '')[0] ?? '')
    .join('')
    .toUpperCase();
}

export interface TrainingIds {
  job: string;
  jobState: string;
  jobProgress: string;
  jobRefusals: string;
}

function refusalLine(fileName: string, reasons: readonly string[], kind = 'error'): HTMLLIElement {
  return el('li', { class: kind }, el('strong', {}, fileName), `: ${reasons.join('; ')}`);
}

/**
 * The box that follows an upload: "Uploading…", then the bar as each photo is read, then the
 * outcome — green with a line per refused photo, or red with the reason — right under the button.
 */
export class TrainingBox {
  readonly #box: HTMLElement;
  readonly #state: HTMLElement;
  readonly #progress: HTMLProgressElement;
  readonly #refusals: HTMLUListElement;

  constructor(ids: TrainingIds) {
    this.#box = byId(ids.job, HTMLElement);
    this.#state = byId(ids.jobState, HTMLElement);
    this.#progress = byId(ids.jobProgress, HTMLProgressElement);
    this.#refusals = byId(ids.jobRefusals, HTMLUListElement);
  }

  /**
   * Takes the last enrollment's outcome off the page, at once: a new one may first ask about a
   * namesake, and until it is sent the old "is enrolled" must not read as its answer.
   */
  clear(): void {
    this.#box.hidden = true;
    this.#refusals.replaceChildren();
    this.#setBar(0, 'running');
    this.#say('');
  }

  /**
   * Sends the upload and follows its training job; true when at least one photo was used.
   * `onQueued` runs once the person exists (the gallery can show them while they train).
   */
  async run(send: () => Promise<UploadAnswer>, onQueued?: () => Promise<void> | void): Promise<boolean> {
    this.#box.hidden = false;
    this.#refusals.replaceChildren();
    this.#setBar(0, 'running');
    this.#say('Uploading…');
    let answer: UploadAnswer;
    try {
      answer = await send();
    } catch (error) {
      this.#setBar(0, 'failed');
      this.#say(errorText(error), 'error');
      return false;
    }
    const { person, jobId, refused: notPhotos } = answer;
    const uploadRefusals = notPhotos.map((r: UploadRefusal) => refusalLine(r.fileName, [r.reason]));
    this.#refusals.replaceChildren(...uploadRefusals);
    this.#say(`Training ${person.name}…`);
    await onQueued?.();
    let job: JobAnswer;
    try {
      job = await watchJob(jobId, (j) => {
        this.#showProgress(person.name, j);
      });
    } catch (error) {
      this.#setBar(this.#progress.value, 'failed');
      this.#say(errorText(error), 'error');
      return false;
    }
    const detail = (job.progressDetail ?? {}) as Partial<TrainingProgress>;
    const outcomes = detail.outcomes ?? [];
    const refusedLines = outcomes.filter((o) => !o.accepted).map((o) => refusalLine(o.fileName, o.reasons));
    if (job.state === 'completed') {
      const result = (job.result ?? {}) as Partial<TrainingResult>;
      const used = (result.accepted ?? []).length;
      const refused = (result.refused ?? []).length + notPhotos.length;
      this.#setBar(100, 'done');
      this.#say(
        `${person.name} is enrolled: ${used} photo(s) accepted${refused ? `, ${refused} refused.` : '.'}`,
        'ok',
      );
      const lines =
        refusedLines.length > 0
          ? refusedLines
          : (result.refused ?? []).map((r) => refusalLine(r.fileName, r.reasons));
      this.#refusals.replaceChildren(
        ...(result.lookalikes ?? []).map((l) => el('li', { class: 'warning' }, `Warning: ${l.message}.`)),
        ...uploadRefusals,
        ...lines,
      );
      return true;
    }
    this.#setBar(this.#progress.value, 'failed');
    if (refusedLines.length > 0 || uploadRefusals.length > 0) {
      this.#say(`Enrolling ${person.name} failed: no photo could be used.`, 'error');
      this.#refusals.replaceChildren(...uploadRefusals, ...refusedLines);
    } else {
      this.#say(`Enrolling ${person.name} failed: ${job.failedReason ?? 'the training stopped'}`, 'error');
    }
    return false;
  }

  #showProgress(name: string, job: JobAnswer): void {
    const detail = (job.progressDetail ?? {}) as Partial<TrainingProgress>;
    this.#setBar(job.progress, 'running');
    if (job.state === 'waiting' || job.state === 'delayed' || job.state === 'prioritized') {
      this.#say(`Training ${name}: waiting for the engine…`);
    } else if (typeof detail.done === 'number' && typeof detail.total === 'number' && detail.done > 0) {
      const last = detail.photo ? ` (${detail.photo})` : '';
      this.#say(`Training ${name}: read ${detail.done} of ${detail.total} photos${last}…`);
    } else {
      this.#say(`Training ${name}…`);
    }
  }

  #setBar(value: number, state: 'running' | 'done' | 'failed'): void {
    this.#progress.value = value;
    this.#progress.dataset.state = state;
  }

  #say(text: string, kind?: 'ok' | 'error'): void {
    this.#state.textContent = text;
    this.#state.className = kind ?? '';
  }
}

/** Sends photos (an upload form's, or the webcam's) to `path`. */
export function sendPhotos(path: string, form: FormData): Promise<UploadAnswer> {
  return api<UploadAnswer>(path, { method: 'POST', body: form });
}

export interface WebcamIds {
  cameraStart: string;
  cameraShoot: string;
  cameraEnroll: string;
  cameraState: string;
  cameraVideo: string;
  cameraShots: string;
}

function cameraProblem(error: unknown): string {
  // A DOMException, usually; read like any object, as the browser may hand over something else.
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
  };
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'The browser was not allowed to use the camera. Allow camera access for this site (the camera icon in the address bar) and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No camera was found on this computer. Connect one, or upload photos instead.';
  if (name === 'NotReadableError')
    return 'The camera is busy in another program. Close it there and try again.';
  return `The camera could not be started: ${typeof message === 'string' && message ? message : String(error)}`;
}

/**
 * Webcam photos: getUserMedia → a canvas → JPEG blobs. `send` gets the photos as a form's
 * `photos` and says whether they were taken in; the webcam then stops and forgets them.
 */
export class Webcam {
  readonly #video: HTMLVideoElement;
  readonly #state: HTMLElement;
  readonly #start: HTMLButtonElement;
  readonly #shoot: HTMLButtonElement;
  readonly #send: HTMLButtonElement;
  readonly #shots: HTMLElement;
  #stream: MediaStream | null = null;
  #blobs: Blob[] = [];

  constructor(ids: WebcamIds, send: (photos: FormData) => Promise<boolean> | 'not-ready') {
    this.#video = byId(ids.cameraVideo, HTMLVideoElement);
    this.#state = byId(ids.cameraState, HTMLElement);
    this.#start = byId(ids.cameraStart, HTMLButtonElement);
    this.#shoot = byId(ids.cameraShoot, HTMLButtonElement);
    this.#send = byId(ids.cameraEnroll, HTMLButtonElement);
    this.#shots = byId(ids.cameraShots, HTMLElement);
    this.#start.addEventListener('click', () => {
      this.#startCamera();
    });
    this.#shoot.addEventListener('click', () => {
      void this.#takePhoto();
    });
    this.#send.addEventListener('click', () => {
      const form = new FormData();
      this.#blobs.forEach((blob, i) => {
        form.append('photos', blob, `webcam-${i + 1}.jpg`);
      });
      const sent = send(form);
      if (sent === 'not-ready') return;
      this.#send.disabled = true;
      void sent.then((ok) => {
        if (ok) {
          this.#stop();
          this.#blobs = [];
          this.#shots.replaceChildren();
          this.say('');
        } else {
          this.#send.disabled = false;
        }
      });
    });
  }

  say(text: string, kind?: 'error'): void {
    this.#state.textContent = text;
    this.#state.className = kind ?? '';
  }

  #stop(): void {
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#video.hidden = true;
    this.#shoot.disabled = true;
  }

  #startCamera(): void {
    // Absent outside a secure context (HTTP on the LAN), whatever the DOM types say.
    const media = navigator.mediaDevices as MediaDevices | undefined;
    if (!media?.getUserMedia) {
      this.say(
        'This browser offers no camera on this page: browsers allow cameras only over HTTPS or on localhost. Upload photos instead.',
        'error',
      );
      return;
    }
    this.#start.disabled = true;
    this.say('Starting the camera…');
    void (async () => {
      try {
        this.#stream = await media.getUserMedia({
          video: { width: { ideal: 1280 }, height: { ideal: 720 } },
          audio: false,
        });
        this.#video.srcObject = this.#stream;
        this.#video.hidden = false;
        await this.#video.play();
        this.#shoot.disabled = false;
        this.say('Camera on. Take three or more photos.');
      } catch (error) {
        this.#stop();
        this.say(cameraProblem(error), 'error');
      } finally {
        this.#start.disabled = false;
      }
    })();
  }

  async #takePhoto(): Promise<void> {
    const width = this.#video.videoWidth;
    const height = this.#video.videoHeight;
    if (!width || !height) {
      this.say('The camera shows no picture yet; wait a moment.', 'error');
      return;
    }
    const canvas = el('canvas', { width: String(width), height: String(height) });
    canvas.getContext('2d')?.drawImage(this.#video, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => {
      canvas.toBlob(resolve, 'image/jpeg', 0.92);
    });
    if (!blob) {
      this.say('The photo could not be taken; try again.', 'error');
      return;
    }
    this.#blobs.push(blob);
    // A data: URL, not a blob: one: the CSP allows images only from this site and data: URLs.
    this.#shots.append(
      el('img', { src: canvas.toDataURL('image/jpeg', 0.6), alt: `photo ${this.#blobs.length}` }),
    );
    this.#send.disabled = false;
    this.say(`${this.#blobs.length} photo(s) taken.`);
  }
}

/** "S-1042 · enrolled Wed 4 Mar 2026 · 3 photos": what tells one namesake from another. */
export function personFacts(person: PersonSummary): string {
  return [
    person.externalId === null ? 'no external id' : `external id ${person.externalId}`,
    `enrolled ${formatDate(person.createdAt)}`,
    photoCount(person.photoCount),
  ].join(' · ');
}

/** Everyone enrolled under this name (without case): the namesakes to ask about. */
export async function namesakesOf(name: string): Promise<PersonSummary[]> {
  const { people } = await api<PeopleAnswer>(`/api/v1/people?name=${encodeURIComponent(name)}`);
  return people;
}

/** A modal card built for one question and removed when answered (Escape cancels). */
function modal(labelId: string, ...children: Node[]): HTMLDialogElement {
  const dialog = el('dialog', { class: 'people-dialog', 'aria-labelledby': labelId }, ...children);
  document.body.append(dialog);
  dialog.addEventListener('close', () => {
    dialog.remove();
  });
  return dialog;
}

/**
 * Enrolling a name someone already has asks: "Is this Mark Smith (their face, external id,
 * enrolled date), or a new person?" Names repeat in a school; one is never merged into another
 * without the administrator choosing so. Answers the chosen person, `new`, or null (cancel).
 */
export function askWhichNamesake(
  name: string,
  namesakes: readonly PersonSummary[],
): Promise<{ personId: string } | 'new' | null> {
  return new Promise((resolve) => {
    let answer: { personId: string } | 'new' | null = null;
    const choices = namesakes.map((person) => {
      const face = person.portraitPhotoId
        ? el('img', {
            src: thumbnailUrl(person.id, person.portraitPhotoId),
            alt: '',
            width: '48',
            height: '48',
          })
        : el('span', { class: 'initials', 'aria-hidden': 'true' }, initials(person.name));
      const choice = el(
        'button',
        { type: 'button', class: 'namesake', 'data-person-id': person.id },
        face,
        el(
          'span',
          {},
          el('strong', {}, `Yes, this ${person.name}`),
          el('span', { class: 'muted' }, personFacts(person)),
        ),
      );
      choice.addEventListener('click', () => {
        answer = { personId: person.id };
        dialog.close();
      });
      return el('li', {}, choice);
    });
    const isNew = el('button', { type: 'button', class: 'namesake-new' }, 'No, enroll a new person');
    const cancel = el('button', { type: 'button' }, 'Cancel');
    const title = el(
      'h2',
      { id: 'namesake-title' },
      namesakes.length === 1
        ? `Is this ${name}?`
        : `Is this one of the ${namesakes.length} people called ${name}?`,
    );
    const dialog = modal(
      'namesake-title',
      title,
      el(
        'p',
        {},
        `Someone called ${name} is already enrolled. Add these photos to them, or enroll a new person with the same name.`,
      ),
      el('ul', { class: 'namesakes' }, ...choices),
      el('div', { class: 'form-actions' }, isNew, cancel),
    );
    isNew.addEventListener('click', () => {
      answer = 'new';
      dialog.close();
    });
    cancel.addEventListener('click', () => {
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      resolve(answer);
    });
    dialog.showModal();
  });
}

/** Where a deleted person's attendance goes: see `DELETE /api/v1/people/:id?attendance=`. */
export type AttendanceOnDelete = 'anonymise' | 'erase';

/**
 * The delete dialog of a person's page: what is always erased, and the choice for attendance —
 * kept as anonymous records (the default), or erased too. Answers the choice, or null (cancel).
 */
export function askHowToDelete(name: string): Promise<AttendanceOnDelete | null> {
  return new Promise((resolve) => {
    let answer: AttendanceOnDelete | null = null;
    const option = (value: AttendanceOnDelete, label: string, detail: string, checked: boolean) => {
      const input = el('input', { type: 'radio', name: 'attendance', value, id: `delete-${value}` });
      input.checked = checked;
      return el(
        'li',
        {},
        input,
        el(
          'label',
          { for: `delete-${value}` },
          el('strong', {}, label),
          el('span', { class: 'muted' }, detail),
        ),
      );
    };
    const confirmButton = el('button', { type: 'submit', class: 'danger' }, `Delete ${name}`);
    const cancel = el('button', { type: 'button' }, 'Cancel');
    const form = el(
      'form',
      { method: 'dialog' },
      el('h2', { id: 'delete-title' }, `Delete ${name}?`),
      el(
        'p',
        {},
        'Always erased: their photos and face data, the face pictures of their recognitions, the unknown faces assigned to them, and their group memberships. No camera will recognise them again.',
      ),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Their attendance'),
        el(
          'ul',
          { class: 'delete-choices' },
          option(
            'anonymise',
            'Keep as anonymous records',
            'Their days stay in attendance and reports under “Deleted person #…”, without their name, never counted with anyone enrolled later.',
            true,
          ),
          option(
            'erase',
            'Erase everything',
            'Attendance, corrections and excused sessions are erased too, as if they had never been enrolled.',
            false,
          ),
        ),
      ),
      el('div', { class: 'form-actions' }, confirmButton, cancel),
    );
    const dialog = modal('delete-title', form);
    form.addEventListener('submit', (submit) => {
      submit.preventDefault();
      const chosen = new FormData(form).get('attendance');
      answer = chosen === 'erase' ? 'erase' : 'anonymise';
      dialog.close();
    });
    cancel.addEventListener('click', () => {
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      resolve(answer);
    });
    dialog.showModal();
    cancel.focus();
  });
}
