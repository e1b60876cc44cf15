// Long checkbox lists (quotes, companies, theses) get a filter box and a count of what is picked.
// Progressive enhancement: without this script the whole list is still there to tick.
"use strict";

const PICKER_MIN_CHOICES = 8;

function enhancePicker(fieldset) {
  if (fieldset.dataset.picker) return;
  const list = fieldset.querySelector(".choices > div");
  const options = list ? [...list.querySelectorAll("label")] : [];
  if (options.length < PICKER_MIN_CHOICES) return;
  fieldset.dataset.picker = "on";
  const boxes = options.map((label) => label.querySelector("input[type=checkbox]"));
  const texts = options.map((label) => label.textContent.toLowerCase());
  const name = fieldset.querySelector("legend").textContent.replace("*", "").trim();

  const bar = document.createElement("div");
  bar.className = "picker-bar";
  const search = document.createElement("input");
  search.type = "search";
  search.placeholder = "Type words from the text, a speaker or a source";
  search.setAttribute("aria-label", `Filter ${name.toLowerCase()}`);
  search.setAttribute("aria-controls", list.id);
  const onlyPicked = document.createElement("label");
  onlyPicked.className = "choice";
  onlyPicked.innerHTML = '<input type="checkbox"> Picked only';
  const onlyPickedBox = onlyPicked.querySelector("input");
  const status = document.createElement("span");
  status.className = "picker-count";
  status.setAttribute("role", "status");
  bar.append(search, onlyPicked, status);
  list.before(bar);

  function update() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    options.forEach((label, i) => {
      // A picked choice stays in sight, so a filter never hides what will be saved.
      const visible = boxes[i].checked || (!onlyPickedBox.checked && words.every((w) => texts[i].includes(w)));
      label.parentElement.hidden = !visible;
      shown += visible;
    });
    const picked = boxes.filter((box) => box.checked).length;
    status.textContent = `${picked} picked · ${shown} of ${options.length} shown`;
  }

  // Enter in the filter box would submit the whole form.
  search.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  search.addEventListener("input", update);
  onlyPickedBox.addEventListener("change", update);
  list.addEventListener("change", update);
  update();
}

// On the first load and on every piece of page htmx swaps in (the in-place signal form, say).
htmx.onLoad((root) => root.querySelectorAll("fieldset").forEach(enhancePicker));
