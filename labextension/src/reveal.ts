/**
 * Widgets opened by a click appear in view: an output a widget marks with `kl-reveal` (the sample browser a
 * dashboard opens for a clicked test case, say) is scrolled into view once, when it is first rendered.
 */
import { INotebookTracker } from '@jupyterlab/notebook';

import { onNotebookChanges } from './watch';

const REVEAL = 'kl-reveal';
const REVEALED = 'klRevealed'; // data attribute set once a node has been scrolled to

function revealNew(root: HTMLElement): void {
  const nodes = root.querySelectorAll<HTMLElement>(`.${REVEAL}`);
  nodes.forEach(node => {
    if (!node.dataset[REVEALED] && node.isConnected && node.offsetParent !== null) {
      node.dataset[REVEALED] = '1';
      node.scrollIntoView({ block: 'start', behavior: 'smooth' });
    }
  });
}

/** Watch every notebook for newly rendered `kl-reveal` widgets and scroll each into view. */
export function watchReveals(tracker: INotebookTracker): void {
  onNotebookChanges(tracker, { childList: true, subtree: true, attributeFilter: ['class'] }, panel =>
    revealNew(panel.content.node)
  );
}
