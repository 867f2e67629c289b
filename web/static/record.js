// The case record's Print button: shown only where JavaScript runs (without it, the hint
// beside it says to use the browser's print command).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
