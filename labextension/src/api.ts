/**
 * The kolena_lab REST API of the Jupyter server (`/kolena-lab/api/`): typed records and one request function that
 * turns every non-2xx answer into an `ApiError` carrying the server's message.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export const API_BASE = 'kolena-lab/api';
export const PAGE_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface StoreInfo {
  url: string;
  dialect: string;
  schema_version: number;
  counts: Record<string, number>;
}

export interface WorkflowItem {
  name: string;
  test_sample_type: string;
  ground_truth_type: string;
  inference_type: string;
  n_test_cases: number;
  n_test_suites: number;
  n_models: number;
}

export interface TestSuiteItem {
  name: string;
  workflow: string;
  latest_version: number;
  n_test_cases: number;
  tags: string[];
  description: string;
}

export interface TestSuiteDetail extends TestSuiteItem {
  versions: { version: number; created: string | null; test_cases: { name: string; version: number }[] }[];
}

export interface TestCaseItem {
  name: string;
  workflow: string;
  latest_version: number;
  n_samples: number;
  description: string;
}

export interface TestCaseDetail extends TestCaseItem {
  versions: { version: number; n_samples: number; created: string | null }[];
  metadata_summary: { field: string; kind: string; low?: unknown; high?: unknown; values?: [unknown, number][] }[];
}

export interface ModelItem {
  name: string;
  workflow: string;
  metadata: Record<string, unknown>;
  tags: string[];
}

export interface EvaluatorItem {
  workflow: string;
  name: string;
  kind: string;
  target?: string;
  working_dir?: string;
  [key: string]: unknown;
}

export interface JobItem {
  id: number;
  status: string;
  workflow: string;
  model: string;
  test_suite: string;
  evaluator: string;
  created: string | null;
  started: string | null;
  finished: string | null;
  error: string | null;
}

export interface Settings {
  store_url: string | null;
  refresh_interval_s: number;
}

/** An answer other than 2xx: its HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** A query string of the parameters that are set. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A path of the API: `segments` are URL-encoded (names may hold '/', spaces, unicode). */
export function path(...segments: string[]): string {
  return segments.map(encodeURIComponent).join('/');
}

/** Call the API; resolves with the decoded JSON, rejects with an `ApiError` (or an AbortError). */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_BASE, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      throw error;
    }
    throw new ApiError(0, `The Jupyter server did not answer: ${(error as Error).message}`);
  }
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message =
      (data && typeof data.error === 'string' && data.error) ||
      (data && typeof data.message === 'string' && data.message) ||
      (response.status === 404 && !data
        ? 'The kolena_lab server extension is not enabled on this Jupyter server.'
        : `${response.status} ${response.statusText}`);
    throw new ApiError(response.status, message);
  }
  return data as T;
}

/** Every item of a paged listing (pages of `PAGE_LIMIT`). */
export async function requestAll<T>(
  endpoint: string,
  params: Record<string, string | undefined>,
  signal?: AbortSignal
): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += PAGE_LIMIT) {
    const page = await requestAPI<Page<T>>(
      endpoint + query({ ...params, offset, limit: PAGE_LIMIT }),
      { signal }
    );
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) {
      return items;
    }
  }
}
