/** Run a callback on every notebook whose DOM changes, at most once an animation frame. */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

export function onNotebookChanges(
  tracker: INotebookTracker,
  options: MutationObserverInit,
  callback: (panel: NotebookPanel) => void
): void {
  tracker.widgetAdded.connect((_, panel) => {
    let scheduled = false;
    const observer = new MutationObserver(() => {
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(() => {
          scheduled = false;
          callback(panel);
        });
      }
    });
    observer.observe(panel.content.node, options);
    panel.disposed.connect(() => observer.disconnect());
  });
}
