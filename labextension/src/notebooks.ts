/**
 * Running code in a notebook: a new cell in the active notebook (run at once), or a new notebook with a kernel;
 * and the quickstart notebook of the launcher card.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

export const QUICKSTART_PATHS = ['notebooks/quickstart.ipynb', 'quickstart.ipynb'];

/** The cells of a new notebook made by the launcher card when the server root has no quickstart notebook. */
export const STARTER_CELLS = [
  [
    '# Kolena Lab: where to start',
    'import kolena_lab',
    'from kolena_lab.workflow import catalog',
    '',
    'kolena_lab.initialize()  # the store: KOLENA_LAB_URL, else .kolena_lab/lab.db here',
    'catalog.store_info()'
  ].join('\n'),
  [
    '# What the store holds',
    'import pandas as pd',
    '',
    'pd.DataFrame([tc.to_dict() for tc in catalog.list_test_cases()])'
  ].join('\n'),
  [
    '# Define a workflow (its test sample, ground truth and inference types), then browse a test case:',
    '# from kolena_lab.workflow import define_workflow',
    '# workflow, TestCase, TestSuite, Model = define_workflow("My workflow", MySample, MyGroundTruth, MyInference)',
    '# from kolena_lab.ui import SampleBrowser',
    '# SampleBrowser(TestCase.load("my test case"))'
  ].join('\n')
];

async function defaultKernel(app: JupyterFrontEnd): Promise<string | undefined> {
  const specs = app.serviceManager.kernelspecs;
  await specs.ready;
  return specs.specs?.default || undefined;
}

/** A new notebook with a kernel whose cells hold `sources`; ready to run. */
export async function newNotebook(app: JupyterFrontEnd, sources: string[]): Promise<NotebookPanel> {
  const panel: NotebookPanel = await app.commands.execute('notebook:create-new', {
    kernelName: await defaultKernel(app)
  });
  await panel.context.ready;
  const model = panel.content.model!;
  model.sharedModel.transact(() => {
    model.sharedModel.deleteCellRange(0, model.sharedModel.cells.length);
    model.sharedModel.insertCells(
      0,
      sources.map(source => ({ cell_type: 'code', source, metadata: {} }))
    );
  });
  return panel;
}

/** Run `code` in a new cell of the active notebook (below its active cell), or in a new notebook. */
export async function runInNotebook(
  app: JupyterFrontEnd,
  tracker: INotebookTracker | null,
  code: string
): Promise<NotebookPanel> {
  let panel = tracker?.currentWidget ?? null;
  if (panel && panel.isAttached && !panel.isDisposed) {
    app.shell.activateById(panel.id);
    const notebook = panel.content;
    if (notebook.widgets.length === 0 || notebook.activeCell?.model.sharedModel.getSource().trim()) {
      NotebookActions.insertBelow(notebook);
    }
    notebook.activeCell!.model.sharedModel.setSource(code);
  } else {
    panel = await newNotebook(app, [code]);
    panel.content.activeCellIndex = 0;
  }
  await panel.sessionContext.ready;
  await NotebookActions.run(panel.content, panel.sessionContext);
  return panel;
}

/** Open the quickstart notebook of the server root, or a new notebook of starter cells. */
export async function openQuickstart(app: JupyterFrontEnd): Promise<void> {
  for (const path of QUICKSTART_PATHS) {
    try {
      await app.serviceManager.contents.get(path, { content: false });
    } catch {
      continue;
    }
    await app.commands.execute('docmanager:open', { path });
    return;
  }
  await newNotebook(app, STARTER_CELLS);
}
