/**
 * A virtualised list: only the rows in view (plus a margin) exist in the DOM, so 10,000 items scroll smoothly.
 * Rows have one fixed height; every text is set with textContent.
 */
import { Widget } from '@lumino/widgets';

export const ROW_HEIGHT = 24;
const OVERSCAN = 10;

/** One row: its indentation, caret (when it can open), label, secondary text, status and a tooltip. */
export interface Row {
  key: string;
  depth: number;
  label: string;
  detail?: string;
  status?: string;
  open?: boolean; // undefined: a leaf
  header?: boolean;
  title?: string;
  data?: unknown;
}

export class VirtualList extends Widget {
  /** Called with a row and how it was activated: a click selects, a double click opens, a caret click toggles. */
  onActivate: (row: Row, how: 'select' | 'open' | 'toggle' | 'menu') => void = () => undefined;
  selectedKey: string | null = null;

  private _rows: Row[] = [];
  private readonly _spacer = document.createElement('div');
  private readonly _pool: HTMLElement[] = [];
  private _frame = 0;

  constructor() {
    super();
    this.addClass('kl-VirtualList');
    this.node.tabIndex = 0;
    this._spacer.className = 'kl-VirtualList-spacer';
    this.node.appendChild(this._spacer);
    this.node.addEventListener('scroll', () => this._schedule());
    this.node.addEventListener('click', event => this._dispatch(event, 'select'));
    this.node.addEventListener('dblclick', event => this._dispatch(event, 'open'));
    this.node.addEventListener('contextmenu', event => this._dispatch(event, 'menu'));
    this.node.addEventListener('keydown', event => this._key(event));
  }

  get rows(): readonly Row[] {
    return this._rows;
  }

  set rows(rows: Row[]) {
    this._rows = rows;
    this._spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.render();
  }

  /** Draw the rows in view now (synchronously). */
  render(): void {
    const height = this.node.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.node.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this._rows.length, Math.ceil((this.node.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    while (this._pool.length < last - first) {
      const el = document.createElement('div');
      for (const part of ['caret', 'status', 'label', 'detail']) {
        const span = document.createElement('span');
        span.className = `kl-Row-${part}`;
        el.appendChild(span);
      }
      this._pool.push(el);
      this.node.appendChild(el);
    }
    this._pool.forEach((el, i) => {
      const index = first + i;
      const row = this._rows[index];
      if (!row) {
        el.style.display = 'none';
        return;
      }
      el.style.display = '';
      el.style.top = `${index * ROW_HEIGHT}px`;
      el.style.paddingLeft = `${4 + row.depth * 14}px`;
      el.dataset.index = String(index);
      el.className =
        'kl-Row' +
        (row.header ? ' kl-Row-header' : '') +
        (row.key === this.selectedKey ? ' kl-mod-selected' : '') +
        (row.status ? ` kl-status-${row.status}` : '');
      el.title = row.title ?? row.label;
      const [caret, status, label, detail] = Array.from(el.children) as HTMLElement[];
      caret.textContent = row.open === undefined ? '' : row.open ? '▾' : '▸';
      status.textContent = row.status ? '●' : '';
      label.textContent = row.label;
      detail.textContent = row.detail ?? '';
    });
  }

  /** Scroll so that the row at `index` is visible. */
  reveal(index: number): void {
    const top = index * ROW_HEIGHT;
    if (top < this.node.scrollTop) {
      this.node.scrollTop = top;
    } else if (top + ROW_HEIGHT > this.node.scrollTop + this.node.clientHeight) {
      this.node.scrollTop = top + ROW_HEIGHT - this.node.clientHeight;
    }
    this.render();
  }

  protected onResize(): void {
    this.render();
  }

  protected onAfterShow(): void {
    this.render();
  }

  private _schedule(): void {
    if (!this._frame) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this.render();
      });
    }
  }

  private _dispatch(event: MouseEvent, how: 'select' | 'open' | 'menu'): void {
    const el = (event.target as HTMLElement).closest('.kl-Row') as HTMLElement | null;
    const row = el ? this._rows[Number(el.dataset.index)] : undefined;
    if (!row) {
      return;
    }
    const caret = (event.target as HTMLElement).classList.contains('kl-Row-caret');
    this.selectedKey = row.key;
    this.render();
    this.onActivate(row, how === 'select' && (caret || row.header) ? 'toggle' : how);
  }

  private _key(event: KeyboardEvent): void {
    const index = this._rows.findIndex(r => r.key === this.selectedKey);
    let next = index;
    if (event.key === 'ArrowDown') {
      next = Math.min(this._rows.length - 1, index + 1);
    } else if (event.key === 'ArrowUp') {
      next = Math.max(0, index - 1);
    } else if (event.key === 'Enter' && index >= 0) {
      this.onActivate(this._rows[index], 'open');
      event.preventDefault();
      return;
    } else if ((event.key === 'ArrowRight' || event.key === 'ArrowLeft') && index >= 0) {
      const row = this._rows[index];
      if (row.open !== undefined && row.open === (event.key === 'ArrowLeft')) {
        this.onActivate(row, 'toggle');
      }
      event.preventDefault();
      return;
    } else {
      return;
    }
    event.preventDefault();
    if (next >= 0 && next !== index) {
      this.selectedKey = this._rows[next].key;
      this.reveal(next);
      this.onActivate(this._rows[next], 'select');
    }
  }
}
