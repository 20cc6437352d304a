import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ApiError, EvaluatorItem, Page, StoreInfo, query, requestAPI } from './api';
import { CodeContext, Item, pythonFor } from './code';
import { detailsOf } from './details';
import { JobWatcher } from './jobs';
import { openQuickstart, runInNotebook } from './notebooks';
import { KolenaSidebar } from './sidebar';
import { watchReveals } from './reveal';
import { watchSavedSnapshots } from './snapshots';

const PLUGIN_ID = 'kolena-lab:plugin';
export const CommandIDs = {
  about: 'kolena-lab:about',
  openSidebar: 'kolena-lab:open-sidebar',
  search: 'kolena-lab:search',
  refresh: 'kolena-lab:refresh',
  openInNotebook: 'kolena-lab:open-in-notebook',
  copyPython: 'kolena-lab:copy-python',
  showDetails: 'kolena-lab:show-details',
  showJobs: 'kolena-lab:show-jobs',
  quickstart: 'kolena-lab:quickstart'
};

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">' +
  '<g class="jp-icon3" fill="#616161">' +
  '<path d="M4 3h3v8l7-8h4l-7.5 8.3L19 21h-4l-6-7.9-2 2.2V21H4z"/>' +
  '<circle cx="19.5" cy="4.5" r="2.5"/></g></svg>';
export const kolenaIcon = new LabIcon({ name: 'kolena-lab:icon', svgstr: ICON_SVG });

interface Config {
  storeUrl: string;
  refreshInterval: number;
  workflowModules: Record<string, string>;
}

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

/** The store URL and workflow modules the generated Python needs for `item`. */
async function codeContext(item: Item, config: Config): Promise<CodeContext> {
  const workflow = item.kind === 'workflow' ? item.name : item.workflow;
  let storeUrl: string | null = config.storeUrl || null;
  if (!storeUrl) {
    const info = await requestAPI<StoreInfo>('store').catch(() => null);
    storeUrl = info && !info.url.includes('***') ? info.url : null;
  }
  const evaluators = await requestAPI<Page<EvaluatorItem>>('evaluators' + query({ workflow })).catch(() => null);
  const entrypoints = (evaluators?.items ?? []).filter(e => e.kind === 'entrypoint' && e.target);
  const modules: CodeContext['modules'] = [];
  if (config.workflowModules[workflow]) {
    modules.push({ module: config.workflowModules[workflow] });
  }
  for (const e of entrypoints) {
    const module = String(e.target).split(':')[0];
    if (!modules.some(m => m.module === module)) {
      modules.push({ module, dir: e.working_dir || undefined });
    }
  }
  return { storeUrl, modules, hasEvaluators: entrypoints.length > 0 };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'kolena_lab workbench integration for JupyterLab: the store in a sidebar.',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker, ILauncher, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    launcher: ILauncher | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const config: Config = { storeUrl: '', refreshInterval: 3, workflowModules: {} };
    const jobs = new JobWatcher();

    const open = async (item: Item) => {
      try {
        await runInNotebook(app, notebooks, pythonFor(item, await codeContext(item, config)));
      } catch (error) {
        Notification.error(`Could not open ${item.name} in a notebook: ${(error as Error).message}`);
      }
    };
    const copy = async (item: Item) => {
      Clipboard.copyToSystem(pythonFor(item, await codeContext(item, config)));
      Notification.info(`Python that loads ${item.name} copied`, { autoClose: 3000 });
    };
    const details = async (item: Item) => {
      const content = new Widget();
      content.addClass('kl-DetailsPage');
      const title = document.createElement('h2');
      title.textContent = `${item.kind.replace('-', ' ')} ${item.name}`;
      const code = document.createElement('pre');
      code.className = 'kl-Code';
      content.node.append(title);
      const widget = new MainAreaWidget({ content });
      widget.id = `kolena-lab-details-${Date.now()}`;
      widget.title.label = item.name;
      widget.title.icon = kolenaIcon;
      widget.title.closable = true;
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      try {
        content.node.append(...(await detailsOf(item)));
      } catch (error) {
        const message = document.createElement('div');
        message.className = 'kl-Message kl-mod-error';
        message.textContent = (error as Error).message;
        content.node.append(message);
      }
      code.textContent = pythonFor(item, await codeContext(item, config));
      const heading = document.createElement('h4');
      heading.textContent = 'Python';
      content.node.append(heading, code);
    };

    const sidebar = new KolenaSidebar(jobs, {
      open: item => void open(item),
      copy: item => void copy(item),
      details: item => void details(item)
    });
    sidebar.title.icon = kolenaIcon;
    app.shell.add(sidebar, 'left', { rank: 650 });
    jobs.onOpen = job => void open(KolenaSidebar.jobItem(job));

    const { commands } = app;
    const selected = () => sidebar.selected;
    commands.addCommand(CommandIDs.about, {
      label: 'About kolena_lab',
      execute: () =>
        showDialog({ title: 'About kolena_lab', body: aboutBody(), buttons: [Dialog.okButton()] })
    });
    commands.addCommand(CommandIDs.openSidebar, {
      label: 'Show the Kolena Lab Sidebar',
      icon: kolenaIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    commands.addCommand(CommandIDs.search, {
      label: 'Search the Store',
      execute: () => {
        app.shell.activateById(sidebar.id);
        sidebar.search.focus();
        sidebar.search.select();
      }
    });
    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh the Kolena Lab Sidebar',
      execute: () => Promise.all([sidebar.refresh(), jobs.poll()])
    });
    commands.addCommand(CommandIDs.showJobs, {
      label: 'Show Evaluation Jobs',
      execute: () => {
        app.shell.activateById(sidebar.id);
        sidebar.setView('jobs');
      }
    });
    commands.addCommand(CommandIDs.openInNotebook, {
      label: 'Open Selected Item in a Notebook',
      isEnabled: () => !!selected(),
      execute: () => selected() && open(selected()!)
    });
    commands.addCommand(CommandIDs.copyPython, {
      label: 'Copy Python That Loads the Selected Item',
      isEnabled: () => !!selected(),
      execute: () => selected() && copy(selected()!)
    });
    commands.addCommand(CommandIDs.showDetails, {
      label: 'Show Details of the Selected Item',
      isEnabled: () => !!selected(),
      execute: () => selected() && details(selected()!)
    });
    commands.addCommand(CommandIDs.quickstart, {
      label: args => (args.isLauncher ? 'Quickstart' : 'Open the Kolena Lab Quickstart'),
      caption: 'Open the quickstart notebook (or a new notebook of starter cells)',
      icon: kolenaIcon,
      execute: () => openQuickstart(app)
    });

    for (const command of Object.values(CommandIDs)) {
      palette?.addItem({ command, category: command === CommandIDs.about ? 'Help' : 'Kolena Lab' });
    }
    launcher?.add({ command: CommandIDs.quickstart, category: 'Kolena Lab', rank: 1, args: { isLauncher: true } });
    app.contextMenu.addItem({ command: CommandIDs.openInNotebook, selector: '.kl-Row', rank: 1 });
    app.contextMenu.addItem({ command: CommandIDs.copyPython, selector: '.kl-Row', rank: 2 });
    app.contextMenu.addItem({ command: CommandIDs.showDetails, selector: '.kl-Row', rank: 3 });

    if (notebooks) {
      watchSavedSnapshots(notebooks);
      watchReveals(notebooks);
    }

    const applySettings = async (settings: ISettingRegistry.ISettings | null) => {
      const previous = config.storeUrl;
      if (settings) {
        config.storeUrl = String(settings.get('storeUrl').composite ?? '').trim();
        config.refreshInterval = Number(settings.get('refreshInterval').composite) || 3;
        config.workflowModules = (settings.get('workflowModules').composite as Record<string, string>) ?? {};
      }
      if (config.storeUrl || previous) {
        try {
          await requestAPI('settings', {
            method: 'PUT',
            body: JSON.stringify({ store_url: config.storeUrl || null, refresh_interval_s: config.refreshInterval })
          });
        } catch (error) {
          if (error instanceof ApiError && config.storeUrl) {
            Notification.error(`Kolena Lab store URL: ${error.message}`);
          }
        }
        if (sidebar.isVisible) {
          void sidebar.refresh();
        }
      }
      jobs.start(config.refreshInterval);
    };
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          settings.changed.connect(() => void applySettings(settings));
          return applySettings(settings);
        })
        .catch(() => applySettings(null));
    } else {
      void applySettings(null);
    }
    console.log('kolena-lab extension activated');
  }
};

export default plugin;
