/**
 * Live job status: polls `jobs` at the refresh interval, keeps the running and failed counts for the badge, and
 * raises a JupyterLab notification when a job finishes or fails.
 */
import { Notification } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, JobItem, Page, query, requestAPI } from './api';

const FINISHED = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);
const FAILED = new Set(['failed', 'timed_out']);
const POLL_LIMIT = 200;

/** A short sentence naming a job. */
export function describeJob(job: JobItem): string {
  return `model ${job.model} on test suite ${job.test_suite} (${job.evaluator})`;
}

export class JobWatcher {
  jobs: JobItem[] = [];
  running = 0;
  failed = 0;
  error: ApiError | null = null;
  /** What "Open results" of a notification does. */
  onOpen: (job: JobItem) => void = () => undefined;

  private _statuses = new Map<number, string>();
  private _firstId = -1; // jobs up to this id existed before the first poll: never announced
  private _timer = 0;
  private _interval = 3000;
  private _changed = new Signal<this, void>(this);
  private _polling = false;
  private _skip = 0; // polls skipped while the server extension is missing or refuses us

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Poll every `seconds` from now on. */
  start(seconds: number): void {
    this._interval = Math.max(0.5, seconds) * 1000;
    window.clearInterval(this._timer);
    this._timer = window.setInterval(() => void this.poll(), this._interval);
    this._skip = 0;
    void this.poll();
  }

  dispose(): void {
    window.clearInterval(this._timer);
  }

  /** Read the newest jobs and the counts; announce the jobs that finished since the last poll. */
  async poll(): Promise<void> {
    if (this._polling || this._skip-- > 0) {
      return;
    }
    this._polling = true;
    try {
      const [page, running, failed] = await Promise.all([
        requestAPI<Page<JobItem>>('jobs' + query({ limit: POLL_LIMIT })),
        requestAPI<Page<JobItem>>('jobs' + query({ status: 'running', limit: 1 })),
        requestAPI<Page<JobItem>>('jobs' + query({ status: 'failed', limit: 1 }))
      ]);
      const first = this._firstId < 0;
      if (first) {
        this._firstId = page.items.reduce((max, job) => Math.max(max, job.id), 0);
      }
      for (const job of [...page.items].reverse()) {
        const before = this._statuses.get(job.id);
        const fresh = before === undefined ? job.id > this._firstId : !FINISHED.has(before);
        if (!first && fresh && FINISHED.has(job.status)) {
          this._announce(job);
        }
        this._statuses.set(job.id, job.status);
      }
      this.jobs = page.items;
      this.running = running.total;
      this.failed = failed.total;
      this.error = null;
    } catch (error) {
      this.error = error instanceof ApiError ? error : new ApiError(0, String(error));
      this._skip = this.error.status === 404 || this.error.status === 403 ? 10 : 0;
    } finally {
      this._polling = false;
    }
    this._changed.emit();
  }

  private _announce(job: JobItem): void {
    const actions = [{ label: 'Open results', callback: () => this.onOpen(job) }];
    if (job.status === 'succeeded') {
      Notification.success(`Evaluation finished: ${describeJob(job)}`, { autoClose: 10000, actions });
    } else if (FAILED.has(job.status)) {
      const reason = job.error ? `: ${job.error.slice(0, 200)}` : '';
      Notification.error(`Evaluation ${job.status.replace('_', ' ')}: ${describeJob(job)}${reason}`, {
        autoClose: false,
        actions
      });
    } else {
      Notification.info(`Evaluation ${job.status}: ${describeJob(job)}`, { autoClose: 5000 });
    }
  }
}
