/**
 * Saved notebooks keep reading: a widget output whose live model is gone (the notebook was saved from JupyterLab,
 * then reopened with a new kernel) shows the static snapshot stored beside it in the same output (`text/html`,
 * else `image/png`, else `text/plain`) instead of "Error displaying widget: model not found".
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { OutputArea } from '@jupyterlab/outputarea';
import { MimeModel } from '@jupyterlab/rendermime';
import { Panel, Widget } from '@lumino/widgets';

import { onNotebookChanges } from './watch';

const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
const FALLBACK_MIMES = ['text/html', 'image/png', 'text/plain'];
const WIDGET_ERROR = 'Error displaying widget';
const REPLACED = 'kolena-lab-snapshot-fallback';
export const SNAPSHOT_NOTE = 'Saved snapshot: run the cell again for the live widget.';

/** The rendered outputs of a notebook's code cells, each with the output model it shows. */
function* renderedOutputs(panel: NotebookPanel) {
  for (const cell of panel.content.widgets) {
    const area = (cell as unknown as { outputArea?: OutputArea }).outputArea;
    const count = area ? Math.min(area.widgets.length, area.model.length) : 0;
    for (let index = 0; index < count; index++) {
      // each child of the output area holds the prompt, then the rendered output
      const child = area!.widgets[index];
      const rendered = child instanceof Panel ? child.widgets[child.widgets.length - 1] : child;
      yield { rendered, model: area!.model.get(index) };
    }
  }
}

function showSnapshot(panel: NotebookPanel, rendered: Widget, data: Record<string, unknown>, trusted: boolean) {
  const mime = FALLBACK_MIMES.find(m => m in data);
  if (!mime || !(rendered instanceof Panel)) {
    return;
  }
  const fallback = panel.content.rendermime.createRenderer(mime);
  void fallback.renderModel(new MimeModel({ data: { [mime]: data[mime] } as any, trusted }));
  rendered.node.textContent = '';
  rendered.removeClass('jupyter-widgets');
  rendered.addClass(REPLACED);
  const note = new Widget();
  note.addClass('kolena-lab-snapshot-note');
  note.node.textContent = SNAPSHOT_NOTE;
  rendered.addWidget(note);
  rendered.addWidget(fallback);
}

function replaceMissingWidgets(panel: NotebookPanel): void {
  for (const { rendered, model } of renderedOutputs(panel)) {
    const data = model.data as Record<string, unknown>;
    if (
      WIDGET_MIME in data &&
      !rendered.hasClass(REPLACED) &&
      (rendered.node.textContent ?? '').startsWith(WIDGET_ERROR)
    ) {
      showSnapshot(panel, rendered, data, model.trusted);
    }
  }
}

/** Watch every notebook: whenever its outputs change, replace widget errors with their snapshots. */
export function watchSavedSnapshots(tracker: INotebookTracker): void {
  onNotebookChanges(tracker, { childList: true, subtree: true, characterData: true }, replaceMissingWidgets);
}
