// The inbox's "select all": tick every log waiting for review. The page works without it.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll('#bulk input[name="logs"]').forEach((box) => { box.checked = all.checked; });
  });
});
