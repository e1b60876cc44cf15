// Filter forms marked data-drop-empty send only the fields that are set, so the URLs they make (and the
// history entries htmx pushes) carry only the filters in use. Without this script the server redirects.
"use strict";

document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.elt.matches("form[data-drop-empty]")) return;
  const data = event.detail.formData;
  for (const name of new Set(data.keys())) {
    const kept = data.getAll(name).filter((value) => value !== "");
    data.delete(name);
    kept.forEach((value) => data.append(name, value));
  }
});
