/**
 * The Python that loads a store object by name and shows it in a kolena_lab widget: what "Open in notebook" runs
 * and "Copy Python" copies. Names travel as Python string literals, never as code.
 */

/** An item of the sidebar: what the code loads. */
export type Item =
  | { kind: 'workflow'; name: string }
  | { kind: 'test-suite'; name: string; workflow: string; version?: number }
  | { kind: 'test-case'; name: string; workflow: string; version?: number }
  | { kind: 'model'; name: string; workflow: string }
  | { kind: 'job'; name: string; workflow: string; id: number; model: string; test_suite: string; evaluator: string };

/** What the kernel needs besides the names: the store and where each workflow's Python types are defined. */
export interface CodeContext {
  /** The store URL the kernel should use (none: the kernel's default store). */
  storeUrl?: string | null;
  /** Modules to import (each with the directory to import it from) when the kernel has not defined the workflow. */
  modules: { module: string; dir?: string }[];
  /** Whether the workflow has evaluators registered by import path (the EvaluationPanel can run them). */
  hasEvaluators: boolean;
}

/** A Python string literal of `text` (JSON string escapes are valid Python ones). */
export function py(text: string): string {
  return JSON.stringify(text);
}

function workflowOf(item: Item): string {
  return item.kind === 'workflow' ? item.name : item.workflow;
}

function preamble(item: Item, context: CodeContext, imports: string[]): string[] {
  const workflow = py(workflowOf(item));
  const catalog = imports.includes(CATALOG);
  const lines = [
    ...(context.storeUrl ? ['import kolena_lab'] : []),
    ...imports.filter(line => line !== CATALOG),
    `from kolena_lab.workflow import bound_classes${catalog ? ', catalog' : ''}`,
    'from kolena_lab.workflow.workflow import find_workflow',
    ''
  ];
  if (context.storeUrl) {
    lines.push(`kolena_lab.initialize(${py(context.storeUrl)})`);
  }
  lines.push(`workflow = find_workflow(${workflow})  # defined in this kernel by define_workflow(...)`);
  if (context.modules.length) {
    lines.push('if workflow is None:  # import the module that defines it', '    import importlib, sys');
    for (const { module, dir } of context.modules) {
      if (dir) {
        lines.push(`    sys.path.insert(0, ${py(dir)})`);
      }
      lines.push(`    importlib.import_module(${py(module)})`);
    }
    lines.push(`    workflow = find_workflow(${workflow})`);
  }
  lines.push(
    'if workflow is None:',
    `    raise RuntimeError(${py(`workflow '${workflowOf(item)}' is not defined: run its define_workflow(...) first`)})`,
    'TestCase, TestSuite, Model = bound_classes(workflow)'
  );
  return lines;
}

const CATALOG = 'from kolena_lab.workflow import catalog';
const EVALUATORS = [
  'evaluators = [make_evaluator(load_entrypoint(e.target, e.working_dir), e.configurations)[0]',
  '              for e in list_evaluators(workflow.name) if e.kind == "entrypoint"]'
];
const EVALUATOR_IMPORTS = [
  'from kolena_lab.automation import list_evaluators',
  'from kolena_lab.automation.loading import load_entrypoint, make_evaluator'
];

/** The cell that loads `item` and shows it in a widget (its last expression). */
export function pythonFor(item: Item, context: CodeContext): string {
  const header = `# kolena_lab: ${item.kind.replace('-', ' ')} ${item.name}`.replace(/\s+/g, ' ');
  let imports: string[];
  let body: string[];
  switch (item.kind) {
    case 'test-case':
      imports = ['from kolena_lab.ui import SampleBrowser'];
      body = [
        `test_case = TestCase.load(${py(item.name)}${item.version ? `, ${item.version}` : ''})`,
        'SampleBrowser(test_case)'
      ];
      break;
    case 'test-suite':
      imports = ['from kolena_lab.ui import ResultsDashboard, SampleBrowser', CATALOG];
      body = [
        `test_suite = TestSuite.load(${py(item.name)}${item.version ? `, ${item.version}` : ''})`,
        'tested = sorted({run.model for run in catalog.list_test_runs() if run.test_suite == test_suite.name})',
        'models = [Model.load(name) for name in tested]',
        'ResultsDashboard(test_suite, models) if models else SampleBrowser(test_suite)'
      ];
      break;
    case 'model':
      imports = [
        'from kolena_lab.ui import EvaluationPanel, ResultsDashboard',
        CATALOG,
        ...(context.hasEvaluators ? EVALUATOR_IMPORTS : [])
      ];
      body = [
        `model = Model.load(${py(item.name)})`,
        'runs = catalog.list_test_runs(model=model.name)',
        ...(context.hasEvaluators
          ? [
              'if runs:  # its latest results',
              '    widget = ResultsDashboard(TestSuite.load(runs[-1].test_suite), [model])',
              'else:  # no results yet: evaluate it with the registered evaluators',
              ...EVALUATORS.map(line => `    ${line}`),
              '    widget = EvaluationPanel(workflow, evaluators, models=[model])',
              'widget'
            ]
          : [
              'if not runs:',
              `    raise RuntimeError(${py(`model '${item.name}' has no results yet: test it on a suite first`)})`,
              'ResultsDashboard(TestSuite.load(runs[-1].test_suite), [model])'
            ])
      ];
      break;
    case 'job':
      imports = ['from kolena_lab.ui import ResultsDashboard'];
      body = [
        `test_suite = TestSuite.load(${py(item.test_suite)})`,
        `ResultsDashboard(test_suite, [Model.load(${py(item.model)})])`
      ];
      break;
    default:
      imports = context.hasEvaluators
        ? ['from kolena_lab.ui import EvaluationPanel', ...EVALUATOR_IMPORTS]
        : ['from kolena_lab.ui import SampleBrowser'];
      body = context.hasEvaluators
        ? [...EVALUATORS, 'EvaluationPanel(workflow, evaluators)']
        : ['SampleBrowser(workflow)'];
  }
  return [header, ...preamble(item, context, imports), '', ...body].join('\n');
}
