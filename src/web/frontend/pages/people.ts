/** People: the enrolled list with delete, enrollment by upload or webcam, and the training job's progress. */
import type { EnrollmentAnswer, PeopleAnswer, TrainingResult } from '../../api-views.js';
import { PEOPLE_IDS as ID } from '../../page-ids.js';
import { allPages, api, watchJob } from '../lib/api.js';
import { byId, el, errorText, showError } from '../lib/dom.js';

type PersonView = PeopleAnswer['people'][number];

const list = byId(ID.list, HTMLTableSectionElement);
const form = byId(ID.enroll, HTMLFormElement);
const nameInput = byId(ID.personName, HTMLInputElement);

async function loadPeople(): Promise<void> {
  try {
    const people = await allPages<'people', PersonView>('/api/v1/people', 'people');
    people.sort((a, b) => a.name.localeCompare(b.name));
    list.replaceChildren(...people.map(personRow));
    byId(ID.empty, HTMLElement).hidden = people.length > 0;
    showError(ID.error, null);
  } catch (error) {
    showError(ID.error, error);
  }
}

function personRow(person: PersonView): HTMLTableRowElement {
  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', () => {
    void (async () => {
      if (!confirm(`Delete ${person.name}? Their photos, face data and recognition history are erased.`))
        return;
      remove.disabled = true;
      try {
        await api(`/api/v1/people/${encodeURIComponent(person.id)}`, { method: 'DELETE' });
        await loadPeople();
      } catch (error) {
        remove.disabled = false;
        showError(ID.error, error);
      }
    })();
  });
  return el(
    'tr',
    { 'data-person': person.name },
    el('td', {}, person.name),
    el('td', {}, new Date(person.createdAt).toLocaleString()),
    el('td', {}, remove),
  );
}

/** Shows the training job of an enrollment (upload or webcam) until it settles; true when enrolled. */
async function showTraining(upload: FormData): Promise<boolean> {
  const box = byId(ID.job, HTMLElement);
  const state = byId(ID.jobState, HTMLElement);
  const progress = byId(ID.jobProgress, HTMLProgressElement);
  const refusals = byId(ID.jobRefusals, HTMLUListElement);
  box.hidden = false;
  refusals.replaceChildren();
  progress.value = 0;
  state.className = '';
  state.textContent = 'Uploading…';
  try {
    const { person, jobId } = await api<EnrollmentAnswer>('/api/v1/people', { method: 'POST', body: upload });
    state.textContent = `Training ${person.name}…`;
    await loadPeople();
    const job = await watchJob(jobId, (j) => {
      progress.value = typeof j.progress === 'number' ? j.progress : 0;
      state.textContent = `Training ${person.name}… (${j.state}, ${progress.value}%)`;
    });
    if (job.state === 'completed') {
      const result = (job.result ?? {}) as Partial<TrainingResult>;
      const accepted = (result.accepted ?? []).length;
      const refused = result.refused ?? [];
      progress.value = 100;
      state.className = 'ok';
      state.textContent = `${person.name} is enrolled: ${accepted} photo(s) accepted${refused.length ? `, ${refused.length} refused.` : '.'}`;
      const lookalikes = result.lookalikes ?? [];
      refusals.replaceChildren(
        ...lookalikes.map((l) => el('li', { class: 'warning' }, `Warning: ${l.message}.`)),
        ...refused.map((r) => el('li', { class: 'error' }, r.reason)),
      );
      return true;
    }
    state.className = 'error';
    state.textContent = `Enrollment of ${person.name} failed: ${job.failedReason ?? 'unknown reason'}`;
    refusals.replaceChildren(
      ...(job.failedReason ?? '')
        .split('; ')
        .filter((r) => r.includes(': '))
        .map((r) => el('li', { class: 'error' }, r)),
    );
    return false;
  } catch (error) {
    state.className = 'error';
    state.textContent = errorText(error);
    return false;
  }
}

form.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  void (async () => {
    try {
      if (await showTraining(new FormData(form))) form.reset();
    } finally {
      if (button) button.disabled = false;
    }
  })();
});

// Webcam enrollment: getUserMedia → a canvas → JPEG blobs, sent like uploaded photos.
const camera = {
  video: byId(ID.cameraVideo, HTMLVideoElement),
  state: byId(ID.cameraState, HTMLElement),
  start: byId(ID.cameraStart, HTMLButtonElement),
  shoot: byId(ID.cameraShoot, HTMLButtonElement),
  send: byId(ID.cameraEnroll, HTMLButtonElement),
  shots: byId(ID.cameraShots, HTMLElement),
  stream: null as MediaStream | null,
  blobs: [] as Blob[],
};

function cameraMessage(text: string, kind?: 'error'): void {
  camera.state.textContent = text;
  camera.state.className = kind ?? '';
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

function stopCamera(): void {
  for (const track of camera.stream?.getTracks() ?? []) track.stop();
  camera.stream = null;
  camera.video.hidden = true;
  camera.shoot.disabled = true;
}

camera.start.addEventListener('click', () => {
  // Absent outside a secure context (HTTP on the LAN), whatever the DOM types say.
  const media = navigator.mediaDevices as MediaDevices | undefined;
  if (!media?.getUserMedia) {
    cameraMessage(
      'This browser offers no camera on this page: browsers allow cameras only over HTTPS or on localhost. Upload photos instead.',
      'error',
    );
    return;
  }
  camera.start.disabled = true;
  cameraMessage('Starting the camera…');
  void (async () => {
    try {
      camera.stream = await media.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
      camera.video.srcObject = camera.stream;
      camera.video.hidden = false;
      await camera.video.play();
      camera.shoot.disabled = false;
      cameraMessage('Camera on. Take three or more photos.');
    } catch (error) {
      stopCamera();
      cameraMessage(cameraProblem(error), 'error');
    } finally {
      camera.start.disabled = false;
    }
  })();
});

camera.shoot.addEventListener('click', () => {
  void (async () => {
    const width = camera.video.videoWidth;
    const height = camera.video.videoHeight;
    if (!width || !height) {
      cameraMessage('The camera shows no picture yet; wait a moment.', 'error');
      return;
    }
    const canvas = el('canvas', { width: String(width), height: String(height) });
    canvas.getContext('2d')?.drawImage(camera.video, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => {
      canvas.toBlob(resolve, 'image/jpeg', 0.92);
    });
    if (!blob) {
      cameraMessage('The photo could not be taken; try again.', 'error');
      return;
    }
    camera.blobs.push(blob);
    // A data: URL, not a blob: one: the CSP allows images only from this site and data: URLs.
    camera.shots.append(
      el('img', { src: canvas.toDataURL('image/jpeg', 0.6), alt: `photo ${camera.blobs.length}` }),
    );
    camera.send.disabled = false;
    cameraMessage(`${camera.blobs.length} photo(s) taken.`);
  })();
});

camera.send.addEventListener('click', () => {
  const name = nameInput.value.trim();
  if (!name) {
    cameraMessage("Enter the person's name above first.", 'error');
    nameInput.focus();
    return;
  }
  const upload = new FormData();
  upload.append('name', name);
  camera.blobs.forEach((blob, i) => {
    upload.append('photos', blob, `webcam-${i + 1}.jpg`);
  });
  camera.send.disabled = true;
  void (async () => {
    if (await showTraining(upload)) {
      stopCamera();
      camera.blobs = [];
      camera.shots.replaceChildren();
      cameraMessage('');
      form.reset();
    } else {
      camera.send.disabled = false;
    }
  })();
});

void loadPeople();
