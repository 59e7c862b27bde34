// Progressive enhancement only: "copy" buttons for code examples. Every page works without this file.
document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) { return; }
  button.hidden = false;
  var label = button.textContent;
  button.addEventListener("click", function () {
    var code = document.getElementById(button.getAttribute("data-copy"));
    navigator.clipboard.writeText(code.textContent).then(function () {
      button.textContent = button.getAttribute("data-done");
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
});
