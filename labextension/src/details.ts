/**
 * The details of a sidebar item (metadata, versions and what changed between them, a job's log), built as DOM
 * with textContent only.
 */
import { JobItem, ModelItem, TestCaseDetail, TestSuiteDetail, WorkflowItem, path, requestAPI } from './api';
import { Item } from './code';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) {
    node.textContent = text;
  }
  if (cls) {
    node.className = cls;
  }
  return node;
}

function show(value: unknown): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function fields(pairs: [string, unknown][]): HTMLElement {
  const list = el('dl', undefined, 'kl-Fields');
  for (const [key, value] of pairs) {
    list.append(el('dt', key), el('dd', show(value)));
  }
  return list;
}

function section(title: string, ...children: Node[]): HTMLElement {
  const node = el('div', undefined, 'kl-Section');
  node.append(el('h4', title), ...children);
  return node;
}

function date(text: string | null | undefined): string {
  return text ? text.replace('T', ' ').slice(0, 19) : '—';
}

/** What changed from one suite version to the next: test cases added, removed, or at a new version. */
export function suiteDiff(
  before: { name: string; version: number }[],
  after: { name: string; version: number }[]
): string {
  const old = new Map(before.map(tc => [tc.name, tc.version]));
  const now = new Map(after.map(tc => [tc.name, tc.version]));
  const parts: string[] = [];
  for (const [name, version] of now) {
    if (!old.has(name)) {
      parts.push(`+ ${name} v${version}`);
    } else if (old.get(name) !== version) {
      parts.push(`~ ${name} v${old.get(name)} → v${version}`);
    }
  }
  for (const name of old.keys()) {
    if (!now.has(name)) {
      parts.push(`− ${name}`);
    }
  }
  return parts.join(', ') || 'no change';
}

function testSuite(detail: TestSuiteDetail): HTMLElement[] {
  const versions = [...detail.versions].sort((a, b) => a.version - b.version);
  const table = el('table', undefined, 'kl-Table');
  const head = el('tr');
  head.append(el('th', 'version'), el('th', 'created'), el('th', 'test cases'), el('th', 'change'));
  table.append(head);
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i];
    const row = el('tr');
    row.append(
      el('td', String(v.version)),
      el('td', date(v.created)),
      el('td', String(v.test_cases.length)),
      el('td', i === 0 ? 'created' : suiteDiff(versions[i - 1].test_cases, v.test_cases))
    );
    table.append(row);
  }
  return [
    fields([
      ['workflow', detail.workflow],
      ['latest version', detail.latest_version],
      ['test cases', detail.n_test_cases],
      ['tags', detail.tags.join(', ') || '—'],
      ['description', detail.description || '—']
    ]),
    section('Versions', table)
  ];
}

function testCase(detail: TestCaseDetail): HTMLElement[] {
  const versions = el('table', undefined, 'kl-Table');
  const head = el('tr');
  head.append(el('th', 'version'), el('th', 'samples'), el('th', 'created'));
  versions.append(head);
  for (const v of [...detail.versions].sort((a, b) => b.version - a.version)) {
    const row = el('tr');
    row.append(el('td', String(v.version)), el('td', v.n_samples.toLocaleString()), el('td', date(v.created)));
    versions.append(row);
  }
  const metadata = el('table', undefined, 'kl-Table');
  for (const m of detail.metadata_summary ?? []) {
    const row = el('tr');
    const summary =
      m.values && m.values.length
        ? m.values
            .slice(0, 5)
            .map(([value, count]) => `${show(value)} (${count})`)
            .join(', ')
        : `${show(m.low)} … ${show(m.high)}`;
    row.append(el('td', m.field), el('td', m.kind), el('td', summary));
    metadata.append(row);
  }
  return [
    fields([
      ['workflow', detail.workflow],
      ['latest version', detail.latest_version],
      ['samples', detail.n_samples.toLocaleString()],
      ['description', detail.description || '—']
    ]),
    section('Versions', versions),
    ...(detail.metadata_summary?.length ? [section('Metadata', metadata)] : [])
  ];
}

function model(detail: ModelItem): HTMLElement[] {
  return [
    fields([
      ['workflow', detail.workflow],
      ['tags', detail.tags.join(', ') || '—']
    ]),
    section('Metadata', fields(Object.entries(detail.metadata ?? {})))
  ];
}

function job(detail: JobItem & { log_tail?: string }): HTMLElement[] {
  const log = el('pre', detail.log_tail || '(no output)', 'kl-Log');
  return [
    fields([
      ['status', detail.status],
      ['workflow', detail.workflow],
      ['model', detail.model],
      ['test suite', detail.test_suite],
      ['evaluator', detail.evaluator],
      ['created', date(detail.created)],
      ['started', date(detail.started)],
      ['finished', date(detail.finished)],
      ['error', detail.error || '—']
    ]),
    section('Output', log)
  ];
}

function workflow(detail: WorkflowItem): HTMLElement[] {
  return [
    fields([
      ['test sample', detail.test_sample_type],
      ['ground truth', detail.ground_truth_type],
      ['inference', detail.inference_type],
      ['test suites', detail.n_test_suites],
      ['test cases', detail.n_test_cases],
      ['models', detail.n_models]
    ])
  ];
}

/** The details of `item` as DOM nodes (read from the API; `known` is the listing's record when there is one). */
export async function detailsOf(item: Item, known?: unknown, signal?: AbortSignal): Promise<HTMLElement[]> {
  switch (item.kind) {
    case 'test-suite':
      return testSuite(await requestAPI<TestSuiteDetail>(path('test-suites', item.name), { signal }));
    case 'test-case':
      return testCase(await requestAPI<TestCaseDetail>(path('test-cases', item.name), { signal }));
    case 'model':
      return model(await requestAPI<ModelItem>(path('models', item.name), { signal }));
    case 'job':
      return job(await requestAPI<JobItem>(path('jobs', String(item.id)), { signal }));
    default:
      return known ? workflow(known as WorkflowItem) : [];
  }
}
