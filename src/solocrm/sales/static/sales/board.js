// The deals board: drag a card to another stage (HTML5 drag and drop). The drop submits
// the card's own move form (htmx posts it and swaps the board), so dragging and the
// phone-friendly move menu take the same path. No inline code: the CSP forbids it.
(() => {
  let dragged = null;
  const columnOf = (target) => (target instanceof Element ? target.closest(".board-column") : null);
  const clearTargets = () => {
    document.querySelectorAll(".board-column.drop-target").forEach((c) => c.classList.remove("drop-target"));
  };

  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element ? event.target.closest(".deal-card[draggable=true]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.dealId);
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", (event) => {
    const column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", (event) => {
    const column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    const card = dragged;
    clearTargets();
    if (column.dataset.stageId === card.dataset.stageId) return;
    const form = card.querySelector("form.move-form");
    if (!form) return;
    form.querySelector("select[name=stage]").value = column.dataset.stageId;
    column.querySelector(".cards").appendChild(card); // show it moved while the server answers
    form.requestSubmit();
  });

  document.addEventListener("change", (event) => {
    const select = event.target instanceof Element ? event.target.closest("[data-pipeline-switch]") : null;
    if (select && select.value.startsWith("/")) window.location.assign(select.value);
  });
})();
