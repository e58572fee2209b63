// The inbox's "select all": tick every log waiting for review. The page works without it.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll('#bulk input[name="logs"]').forEach((box) => { box.checked = all.checked; });
  });
});

// A "Print" button on a sheet meant for paper (a venue's QR code); the browser's own print works too.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
