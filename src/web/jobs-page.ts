/**
 * The Jobs page (admin only): the training and gallery jobs, newest first, with their state,
 * progress, outcome and failure reason, and a Retry button on failed ones; it links the operators'
 * Bull Board (`/admin/queues`), which is not in the top bar. As for the other pages,
 * the server renders the frame and the script (`frontend/pages/jobs.ts`) fills it from
 * `/api/v1/jobs`; the ids both use come from `page-ids.ts`.
 */
import { JOBS_IDS as JOBS } from './page-ids.js';
import { appPage, html, type Viewer } from './pages.js';

/** The text under an empty list, with no filter; the script says "No failed jobs." and the like. */
export const NO_JOBS_TEXT =
  'No jobs yet. A training job appears here each time someone is enrolled on the People page or an unknown face is assigned to a person.';

export function jobsPage(viewer: Viewer): string {
  return appPage({
    title: 'Jobs',
    viewer,
    current: '/jobs',
    script: 'jobs',
    body: html`<h1>Jobs</h1>
      <p class="muted">
        Each enrollment trains the person's photos in the background; a gallery update describes every photo
        again when a recognition node of another face model joins. Newest first; jobs waiting or running
        follow on their own. Operators find the queues themselves (pause, clean, every job's data) on the
        <a href="/admin/queues">Job queues</a> board.
      </p>
      <form id="${JOBS.filter}" class="row">
        <div>
          <label for="${JOBS.state}">Show</label>
          <select id="${JOBS.state}" name="state">
            <option value="" selected>All jobs</option>
            <option value="failed">Failed</option>
            <option value="active">Running</option>
            <option value="waiting">Waiting</option>
            <option value="delayed">Trying again soon</option>
            <option value="completed">Done</option>
          </select>
        </div>
      </form>
      <p id="${JOBS.error}" class="error" role="alert" hidden></p>
      <p id="${JOBS.summary}" class="muted" role="status"></p>
      <ol id="${JOBS.list}" class="jobs" aria-label="Jobs, newest first"></ol>
      <p id="${JOBS.empty}" class="muted" hidden>${NO_JOBS_TEXT}</p>
      <button id="${JOBS.more}" type="button" hidden>Show more</button>`,
  });
}
