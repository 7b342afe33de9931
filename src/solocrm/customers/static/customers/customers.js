// Customer pages: behaviours kept out of the HTML (the Content Security Policy forbids inline code).
(() => {
  const paintChips = (root) => {
    root.querySelectorAll(".chip[data-color]").forEach((chip) => {
      const color = chip.dataset.color;
      if (/^#[0-9a-fA-F]{6}$/.test(color)) {
        chip.style.borderColor = color;
        chip.style.color = color;
      }
    });
  };
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-select-all]");
    if (!all) return;
    const form = all.closest("form");
    form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`).forEach((box) => {
      box.checked = all.checked;
    });
  });
  document.addEventListener("DOMContentLoaded", () => paintChips(document));
  document.addEventListener("htmx:afterSwap", (event) => paintChips(event.target));
})();
