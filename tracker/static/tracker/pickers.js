// Pickers search as you type: htmx asks the page for the matches (templates/objects/_picker.html).
// Progressive enhancement: without this script the Find button reloads the page with the matches.
"use strict";

function enhancePicker(picker) {
  if (picker.dataset.picker) return;
  picker.dataset.picker = "on";
  const search = picker.querySelector("input[type=search]");
  const find = picker.querySelector("[data-picker-find]");
  if (!search || !find) return;
  // Typing finds already; the button would reload the page and lose what is typed in the other fields.
  find.remove();
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();  // Enter would send the search's own form, a reload, for the same reason
    htmx.trigger(search, "search");
  });
}

// On the first load and on every piece of page htmx swaps in.
htmx.onLoad((root) => root.querySelectorAll(".picker").forEach(enhancePicker));
