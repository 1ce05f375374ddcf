// CPV picker: progressive enhancement of a plain text field of codes (the field works without this file).
// Adds a search box under each field marked data-cpv-picker; choosing a result appends its code.
document.addEventListener("DOMContentLoaded", function () {
  var fields = document.querySelectorAll("input[data-cpv-picker], textarea[data-cpv-picker]");
  Array.prototype.forEach.call(fields, function (field, index) {
    var url = field.getAttribute("data-cpv-picker");
    function text(name, fallback) { return field.getAttribute("data-cpv-" + name) || fallback; }
    var wrap = document.createElement("div");
    wrap.className = "cpv-picker";
    var id = "cpv-picker-" + index;
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = text("label", "Search for a CPV code to add");
    var search = document.createElement("input");
    search.type = "search";
    search.id = id;
    search.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "muted";
    status.setAttribute("aria-live", "polite");
    var list = document.createElement("ul");
    list.className = "cpv-results";
    wrap.appendChild(label);
    wrap.appendChild(search);
    wrap.appendChild(status);
    wrap.appendChild(list);
    field.parentNode.insertBefore(wrap, field.nextSibling);

    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      var q = search.value.trim();
      if (q.length < 2) { list.innerHTML = ""; status.textContent = ""; return; }
      timer = setTimeout(function () {
        fetch(url + "?format=json&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            status.textContent = data.results.length === 1
              ? text("one-result", "1 result")
              : text("results", "{count} results").replace("{count}", data.results.length);
            data.results.slice(0, 15).forEach(function (item) {
              var li = document.createElement("li");
              var button = document.createElement("button");
              button.type = "button";
              button.className = "link-button";
              button.textContent = item.code + " " + item.label;
              button.addEventListener("click", function () {
                var current = field.value.trim();
                if (current.indexOf(item.code.slice(0, 8)) === -1) {
                  field.value = current ? current.replace(/[,\s]+$/, "") + ", " + item.code : item.code;
                }
                status.textContent = text("added", "Added {code}").replace("{code}", item.code);
                search.focus();
              });
              li.appendChild(button);
              list.appendChild(li);
            });
          })
          .catch(function () { status.textContent = ""; });
      }, 250);
    });
  });
});
