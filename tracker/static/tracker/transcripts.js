// Selecting text across sentences of a transcript fills the "Quote a passage" form with their numbers.
// Progressive enhancement: without this script the numbers are typed in.
"use strict";

function transcriptLine(node) {
  const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
  return element ? element.closest(".transcript-line") : null;
}

document.addEventListener("selectionchange", () => {
  const form = document.querySelector(".passage-form");
  const selection = document.getSelection();
  if (!form || !selection || selection.isCollapsed || !selection.rangeCount) return;
  const from = transcriptLine(selection.anchorNode);
  const to = transcriptLine(selection.focusNode);
  if (!from || !to) return;
  const numbers = [Number(from.dataset.number), Number(to.dataset.number)].sort((a, b) => a - b);
  form.elements.first.value = numbers[0];
  form.elements.last.value = numbers[1];
});
