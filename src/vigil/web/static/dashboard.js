// The dashboard's live ingest progress: while a run is running (or its preview pass is), its
// row is refreshed from GET /api/ingest-runs/{id} every 2 s: files done / total, and the
// preview pass's progress where the run reports it.
"use strict";

(() => {
  const POLL_MS = 2000;

  function previewProgress(run) {
    if (run.previews_error) return ` · previews stopped: ${run.previews_error}`;
    if (run.previews_done === undefined || run.previews_done === null) return "";
    const total = run.previews_total === undefined || run.previews_total === null ? "" : ` / ${run.previews_total}`;
    return ` · previews ${run.previews_done}${total}`;
  }

  function show(row, run) {
    const status = row.querySelector('[data-field="status"]');
    status.textContent = run.status;
    status.className = `status-${run.status}`;
    const total = run.files_total === null || run.files_total === undefined ? "" : ` / ${run.files_total}`;
    const progress = row.querySelector('[data-field="progress"]');
    progress.textContent = `${run.files_done}${total} files${previewProgress(run)}`;
    if (run.notice) progress.title = run.notice;
    row.dataset.status = run.status;
    if (run.status !== "running" && !run.previews_running) delete row.dataset.live;
  }

  async function poll() {
    const rows = [...document.querySelectorAll("#runs tr[data-live]")];
    if (!rows.length) return;
    await Promise.all(rows.map(async (row) => {
      const response = await fetch(`/api/ingest-runs/${row.dataset.run}`, { credentials: "same-origin" });
      if (response.ok) show(row, await response.json());
      else if (response.status === 404) delete row.dataset.live;
    }));
    const left = document.querySelectorAll("#runs tr[data-live]").length;
    const status = document.getElementById("runs-status");
    if (status && !left) status.textContent = "All ingest runs have stopped.";
    if (left) setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => setTimeout(poll, POLL_MS));
})();
