import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { watchSavedSnapshots } from './snapshots';

const COMMAND_ABOUT = 'kolena-lab:about';

function aboutBody(): Widget {
  const body = new Widget();
  body.addClass('kolena-lab-about');
  const lines = [
    'kolena_lab is a local ML model-testing workbench for JupyterLab.',
    "It brings Kolena's workflow API (test suites, test cases, models and " +
      'evaluations) to an embedded store on your own machine.'
  ];
  for (const text of lines) {
    const p = document.createElement('p');
    p.textContent = text;
    body.node.appendChild(p);
  }
  return body;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'kolena-lab:plugin',
  description: 'kolena_lab workbench integration for JupyterLab.',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null
  ) => {
    app.commands.addCommand(COMMAND_ABOUT, {
      label: 'About kolena_lab',
      execute: () =>
        showDialog({
          title: 'About kolena_lab',
          body: aboutBody(),
          buttons: [Dialog.okButton()]
        })
    });
    palette?.addItem({ command: COMMAND_ABOUT, category: 'Help' });
    if (notebooks) {
      watchSavedSnapshots(notebooks);
    }
    console.log('kolena-lab extension activated');
  }
};

export default plugin;
