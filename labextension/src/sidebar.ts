/**
 * The Kolena Lab sidebar: a searchable tree Workflows → Test suites (versions) → Test cases, the models, and the
 * jobs with live status, each a virtualised list; the selected item's details and actions below. A store the
 * server cannot read shows the server's message instead of an empty tree.
 */
import { Panel, Widget } from '@lumino/widgets';

import {
  ApiError,
  JobItem,
  ModelItem,
  Page,
  StoreInfo,
  TestCaseItem,
  TestSuiteDetail,
  TestSuiteItem,
  WorkflowItem,
  path,
  query,
  requestAPI,
  requestAll
} from './api';
import { Item } from './code';
import { detailsOf } from './details';
import { JobWatcher, describeJob } from './jobs';
import { Row, VirtualList } from './vlist';

export type View = 'tree' | 'models' | 'jobs';
const SEARCH_LIMIT = 200; // per page of search results; the rest loads from the "more" row
const VIEWS: [View, string][] = [
  ['tree', 'Workflows'],
  ['models', 'Models'],
  ['jobs', 'Jobs']
];

/** What the sidebar asks of the application. */
export interface SidebarActions {
  open(item: Item): void;
  copy(item: Item): void;
  details(item: Item): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = cls;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

export class KolenaSidebar extends Panel {
  readonly list = new VirtualList();
  readonly search = el('input', 'kl-Search jp-mod-styled');
  selected: Item | null = null;
  view: View = 'tree';

  private readonly _store = el('div', 'kl-Store');
  private readonly _message = el('div', 'kl-Message');
  private readonly _tabs = new Map<View, HTMLButtonElement>();
  private readonly _badge = el('span', 'kl-Badge');
  private readonly _details = new Widget();
  private _workflows: WorkflowItem[] = [];
  private _expanded = new Set<string>();
  private _collapsed = new Set<string>(); // nodes open by default (a suite's latest version) the user closed
  private _suites = new Map<string, TestSuiteItem[]>();
  private _suiteDetails = new Map<string, TestSuiteDetail>();
  private _cases = new Map<string, TestCaseItem[]>();
  private _found: { cases: Page<TestCaseItem>; suites: Page<TestSuiteItem> } | null = null;
  private _models: Page<ModelItem> | null = null;
  private _search: AbortController | null = null;
  private _detailsRequest: AbortController | null = null;
  private _error: ApiError | null = null;
  private _loaded = false;

  constructor(
    readonly jobs: JobWatcher,
    private readonly _actions: SidebarActions
  ) {
    super();
    this.id = 'kolena-lab-sidebar';
    this.addClass('kl-Sidebar');
    this.title.caption = 'Kolena Lab';

    const header = new Widget();
    header.addClass('kl-Header');
    const title = el('div', 'kl-Title');
    title.append(el('span', 'kl-Title-text', 'Kolena Lab'));
    const refresh = el('button', 'kl-Refresh jp-Button jp-mod-minimal', '⟳');
    refresh.title = 'Refresh';
    refresh.addEventListener('click', () => void this.refresh());
    title.append(refresh);
    this.search.type = 'search';
    this.search.placeholder = 'Search test cases, suites, models';
    this.search.setAttribute('aria-label', 'Search the store');
    this.search.addEventListener('input', () => void this.applySearch());
    const tabs = el('div', 'kl-Tabs');
    for (const [view, label] of VIEWS) {
      const tab = el('button', 'kl-Tab', label);
      tab.dataset.view = view;
      tab.addEventListener('click', () => this.setView(view));
      if (view === 'jobs') {
        tab.append(this._badge);
      }
      this._tabs.set(view, tab);
      tabs.append(tab);
    }
    header.node.append(title, this._store, this.search, tabs, this._message);
    this.addWidget(header);

    this.list.onActivate = (row, how) => this._activate(row, how);
    this.addWidget(this.list);
    this._details.addClass('kl-Details');
    this.addWidget(this._details);

    this.jobs.changed.connect(() => this._jobsChanged());
    this._updateTabs();
  }

  /** Show the panel's content: loads the store's workflows the first time. */
  protected onAfterShow(): void {
    if (!this._loaded) {
      this._loaded = true;
      void this.refresh();
    }
  }

  /** Read the store info and the workflows again, and redo the search. */
  async refresh(): Promise<void> {
    this._suites.clear();
    this._suiteDetails.clear();
    this._cases.clear();
    this._models = null;
    try {
      const [info, workflows] = await Promise.all([
        requestAPI<StoreInfo>('store'),
        requestAll<WorkflowItem>('workflows', {})
      ]);
      this._workflows = workflows;
      this._error = null;
      const c = info.counts ?? {};
      this._store.textContent =
        `${info.dialect} · ${plural(c.test_cases ?? 0, 'test case')} · ` + `${plural(c.models ?? 0, 'model')}`;
      this._store.title = info.url;
      if (this._workflows.length === 1) {
        this._expanded.add(`w:${this._workflows[0].name}`);
      }
      if (!this.search.value.trim() && this.view === 'tree') {
        this.render(); // the workflows at once; their open nodes follow
      }
      await Promise.all([...this._expanded].map(key => this._load(key)));
    } catch (error) {
      this._fail(error);
    }
    await this.applySearch();
  }

  setView(view: View): void {
    this.view = view;
    this._updateTabs();
    void this.applySearch();
  }

  /** Fetch what the search box asks for in the current view (a newer keystroke cancels an older request). */
  async applySearch(): Promise<void> {
    const q = this.search.value.trim();
    this._search?.abort();
    const controller = (this._search = new AbortController());
    const signal = controller.signal;
    try {
      if (this.view === 'tree' && q) {
        const casesRequest = requestAPI<Page<TestCaseItem>>('test-cases' + query({ q, limit: SEARCH_LIMIT }), {
          signal
        });
        const suites = requestAPI<Page<TestSuiteItem>>('test-suites' + query({ q, limit: SEARCH_LIMIT }), { signal });
        suites.catch(() => undefined); // awaited below
        const cases = await casesRequest;
        if (!signal.aborted) {
          // the matching test cases at once, the suites when they come
          this._found = { cases, suites: { items: [], total: 0, offset: 0, limit: SEARCH_LIMIT } };
          this._error = null;
          this.render();
        }
        this._found = { cases, suites: await suites };
      } else if (this.view === 'models') {
        this._models = await requestAPI<Page<ModelItem>>('models' + query({ q, limit: SEARCH_LIMIT }), { signal });
        this._error = null;
      }
      if (signal.aborted) {
        return;
      }
    } catch (error) {
      if ((error as Error).name === 'AbortError' || signal.aborted) {
        return;
      }
      this._fail(error);
    }
    this.render();
  }

  /** Build the rows of the current view. */
  render(): void {
    const error = this.view === 'jobs' ? this.jobs.error : this._error;
    this._message.textContent = error ? error.message : '';
    this._message.classList.toggle('kl-mod-error', !!error);
    this.list.node.classList.toggle('kl-mod-hidden', !!error);
    this.node.dataset.state = error ? 'error' : 'ok';
    if (error) {
      this.list.rows = [];
      this.node.dataset.rendered = `${this.view}:error`;
      return;
    }
    const q = this.search.value.trim();
    const rows =
      this.view === 'jobs' ? this._jobRows(q) : this.view === 'models' ? this._modelRows() : this._treeRows(q);
    if (!rows.length) {
      this._message.textContent = q ? `Nothing matches “${q}”.` : this._emptyText();
    }
    this.list.rows = rows;
    this.node.dataset.rendered = `${this.view}:${q}`; // what the rows show (tests and benchmarks wait for it)
  }

  private _emptyText(): string {
    if (this.view === 'jobs') {
      return 'No evaluation jobs yet.';
    }
    return this.view === 'models' ? 'No models in the store.' : 'The store holds no workflow yet.';
  }

  private _fail(error: unknown): void {
    this._error = error instanceof ApiError ? error : new ApiError(0, String(error));
  }

  private _treeRows(q: string): Row[] {
    if (q && this._found) {
      const { cases, suites } = this._found;
      const rows: Row[] = [];
      const group = <T>(label: string, page: Page<T>, endpoint: string, row: (item: T) => Row) => {
        if (page.total) {
          rows.push({ key: `h:${label}`, depth: 0, label, detail: page.total.toLocaleString(), header: true });
          rows.push(...page.items.map(row));
          this._more(rows, page, endpoint);
        }
      };
      group('Test cases', cases, 'test-cases', tc => this._caseRow(tc, 1, 'found'));
      group('Test suites', suites, 'test-suites', s => this._suiteRow(s, 1, 'found'));
      const lower = q.toLowerCase();
      const workflows = this._workflows.filter(w => w.name.toLowerCase().includes(lower));
      if (workflows.length) {
        rows.push({ key: 'h:workflows', depth: 0, label: 'Workflows', detail: String(workflows.length), header: true });
        for (const w of workflows) {
          rows.push(this._workflowRow(w, 1, false));
        }
      }
      return rows;
    }
    const rows: Row[] = [];
    for (const w of this._workflows) {
      const wKey = `w:${w.name}`;
      const open = this._expanded.has(wKey);
      rows.push(this._workflowRow(w, 0, open));
      if (!open) {
        continue;
      }
      for (const s of this._suites.get(w.name) ?? []) {
        const sKey = `s:${s.name}`;
        const sOpen = this._expanded.has(sKey);
        rows.push({ ...this._suiteRow(s, 1, 'tree'), open: sOpen });
        const detail = this._suiteDetails.get(s.name);
        if (!sOpen || !detail) {
          continue;
        }
        for (const v of [...detail.versions].sort((a, b) => b.version - a.version)) {
          const vKey = `v:${s.name}\u0000${v.version}`;
          const vOpen = v.version === detail.latest_version ? !this._collapsed.has(vKey) : this._expanded.has(vKey);
          const item: Item = { kind: 'test-suite', name: s.name, workflow: s.workflow, version: v.version };
          rows.push({
            key: vKey,
            depth: 2,
            label: `version ${v.version}${v.version === detail.latest_version ? ' (latest)' : ''}`,
            detail: plural(v.test_cases.length, 'test case'),
            open: vOpen,
            data: item
          });
          if (vOpen) {
            for (const tc of v.test_cases) {
              const tcItem: Item = { kind: 'test-case', name: tc.name, workflow: s.workflow, version: tc.version };
              rows.push({ key: `c:${vKey}\u0000${tc.name}`, depth: 3, label: tc.name, detail: `v${tc.version}`, data: tcItem });
            }
          }
        }
      }
      const cKey = `a:${w.name}`;
      const cOpen = this._expanded.has(cKey);
      rows.push({ key: cKey, depth: 1, label: 'All test cases', detail: w.n_test_cases.toLocaleString(), open: cOpen, header: true });
      if (cOpen) {
        for (const tc of this._cases.get(w.name) ?? []) {
          rows.push(this._caseRow(tc, 2, 'all'));
        }
      }
    }
    return rows;
  }

  private _more(rows: Row[], page: Page<unknown>, endpoint: string): void {
    if (page.total > page.items.length) {
      const more = page.total - page.items.length;
      rows.push({
        key: `m:${endpoint}`,
        depth: 1,
        label: `… ${more.toLocaleString()} more (click to load)`,
        data: { more: endpoint, page }
      });
    }
  }

  /** Append the next page of search results to `page`. */
  private async _loadMore(endpoint: string, page: Page<unknown>): Promise<void> {
    const q = this.search.value.trim();
    try {
      const next = await requestAPI<Page<unknown>>(
        endpoint + query({ q, offset: page.items.length, limit: SEARCH_LIMIT })
      );
      page.items.push(...next.items);
      page.total = next.total;
    } catch (error) {
      this._fail(error);
    }
    this.render();
  }

  private _workflowRow(w: WorkflowItem, depth: number, open: boolean): Row {
    const item: Item = { kind: 'workflow', name: w.name };
    return {
      key: `w:${w.name}`,
      depth,
      label: w.name,
      detail: `${plural(w.n_test_suites, 'suite')} · ${plural(w.n_test_cases, 'case')}`,
      open: depth === 0 ? open : undefined,
      data: { item, record: w }
    };
  }

  private _suiteRow(s: TestSuiteItem, depth: number, where: string): Row {
    const item: Item = { kind: 'test-suite', name: s.name, workflow: s.workflow };
    return {
      key: where === 'tree' ? `s:${s.name}` : `${where}:s:${s.name}`,
      depth,
      label: s.name,
      detail: `v${s.latest_version} · ${plural(s.n_test_cases, 'case')}`,
      title: `${s.name}\n${s.workflow}${s.description ? `\n${s.description}` : ''}`,
      data: item
    };
  }

  private _caseRow(tc: TestCaseItem, depth: number, where: string): Row {
    const item: Item = { kind: 'test-case', name: tc.name, workflow: tc.workflow };
    return {
      key: `${where}:c:${tc.name}`,
      depth,
      label: tc.name,
      detail: `${tc.n_samples.toLocaleString()} · v${tc.latest_version}`,
      title: `${tc.name}\n${tc.workflow} · ${plural(tc.n_samples, 'sample')}`,
      data: item
    };
  }

  private _modelRows(): Row[] {
    const rows = (this._models?.items ?? []).map(m => {
      const item: Item = { kind: 'model', name: m.name, workflow: m.workflow };
      return {
        key: `model:${m.name}`,
        depth: 0,
        label: m.name,
        detail: m.tags.length ? m.tags.join(', ') : m.workflow,
        title: `${m.name}\n${m.workflow}`,
        data: item
      } as Row;
    });
    if (this._models) {
      this._more(rows, this._models, 'models');
    }
    return rows;
  }

  private _jobRows(q: string): Row[] {
    const lower = q.toLowerCase();
    return this.jobs.jobs
      .filter(j => !lower || `${j.model} ${j.test_suite} ${j.evaluator} ${j.status}`.toLowerCase().includes(lower))
      .map(j => {
        const item = KolenaSidebar.jobItem(j);
        return {
          key: `job:${j.id}`,
          depth: 0,
          label: `#${j.id} ${j.model} · ${j.test_suite}`,
          detail: j.status.replace('_', ' '),
          status: j.status,
          title: `${describeJob(j)}: ${j.status}${j.error ? `\n${j.error}` : ''}`,
          data: item
        };
      });
  }

  private _itemOf(row: Row): { item: Item; record?: unknown } | null {
    const data = row.data as any;
    if (!data) {
      return null;
    }
    if ('kind' in data) {
      return { item: data as Item };
    }
    return 'item' in data ? data : null;
  }

  private async _activate(row: Row, how: 'select' | 'open' | 'toggle' | 'menu'): Promise<void> {
    if (how === 'toggle' && row.open !== undefined) {
      if (row.open) {
        this._expanded.delete(row.key);
        this._collapsed.add(row.key);
      } else {
        this._collapsed.delete(row.key);
        this._expanded.add(row.key);
        await this._load(row.key);
      }
      this.render();
    }
    const more = row.data as { more?: string; page?: Page<unknown> } | undefined;
    if (more?.more && more.page && how !== 'menu') {
      return this._loadMore(more.more, more.page);
    }
    const found = this._itemOf(row);
    if (!found) {
      return;
    }
    this.selected = found.item;
    if (how === 'open') {
      this._actions.open(found.item);
    } else if (how === 'select' || how === 'toggle') {
      void this.showDetails(found.item, found.record);
    }
  }

  /** Load what an opened tree node shows (suites of a workflow, versions of a suite, a workflow's test cases). */
  private async _load(key: string): Promise<void> {
    const name = key.slice(2);
    try {
      if (key.startsWith('w:') && !this._suites.has(name)) {
        this._suites.set(name, await requestAll<TestSuiteItem>('test-suites', { workflow: name }));
      } else if (key.startsWith('s:') && !this._suiteDetails.has(name)) {
        this._suiteDetails.set(name, await requestAPI<TestSuiteDetail>(path('test-suites', name)));
      } else if (key.startsWith('a:') && !this._cases.has(name)) {
        this._cases.set(name, await requestAll<TestCaseItem>('test-cases', { workflow: name }));
      }
    } catch (error) {
      this._fail(error);
    }
  }

  /** Show the item's details and actions below the list. */
  async showDetails(item: Item, record?: unknown): Promise<void> {
    this._detailsRequest?.abort();
    const controller = (this._detailsRequest = new AbortController());
    const node = this._details.node;
    node.replaceChildren();
    const head = el('div', 'kl-Details-head');
    head.append(el('span', 'kl-Details-kind', item.kind.replace('-', ' ')), el('span', 'kl-Details-name', item.name));
    const actions = el('div', 'kl-Actions');
    const button = (label: string, cls: string, run: () => void) => {
      const b = el('button', `jp-Button ${cls}`, label);
      b.addEventListener('click', run);
      actions.append(b);
    };
    button('Open in notebook', 'jp-mod-accept kl-Open', () => this._actions.open(item));
    button('Copy Python', 'jp-mod-reject kl-Copy', () => this._actions.copy(item));
    button('Details', 'jp-mod-reject kl-More', () => this._actions.details(item));
    const body = el('div', 'kl-Details-body');
    node.append(head, actions, body);
    node.classList.add('kl-mod-open');
    try {
      body.append(...(await detailsOf(item, record, controller.signal)));
    } catch (error) {
      if ((error as Error).name !== 'AbortError') {
        body.append(el('div', 'kl-Message kl-mod-error', (error as Error).message));
      }
    }
  }

  private _updateTabs(): void {
    for (const [view, tab] of this._tabs) {
      tab.classList.toggle('kl-mod-active', view === this.view);
    }
    this.search.placeholder =
      this.view === 'jobs'
        ? 'Filter jobs by model, suite, status'
        : this.view === 'models'
          ? 'Search models'
          : 'Search test cases and suites';
  }

  private _jobsChanged(): void {
    const { running, failed } = this.jobs;
    this._badge.textContent = [running ? `${running} running` : '', failed ? `${failed} failed` : '']
      .filter(Boolean)
      .join(' · ');
    this._badge.classList.toggle('kl-mod-failed', failed > 0);
    this._badge.classList.toggle('kl-mod-running', running > 0);
    this.title.caption = `Kolena Lab${this._badge.textContent ? ` (${this._badge.textContent})` : ''}`;
    this.title.className = running ? 'kl-mod-running' : failed ? 'kl-mod-failed' : '';
    if (this.view === 'jobs') {
      this.render();
    }
  }

  /** The item of a job (for "Open results" of a notification). */
  static jobItem(j: JobItem): Item {
    return {
      kind: 'job',
      name: `#${j.id}`,
      workflow: j.workflow,
      id: j.id,
      model: j.model,
      test_suite: j.test_suite,
      evaluator: j.evaluator
    };
  }
}
