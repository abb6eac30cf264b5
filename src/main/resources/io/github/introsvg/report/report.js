"use strict";
(function () {
  // Reads the data-* attributes the report wrote; never puts text into the page as markup.
  var list = document.getElementById("prompts");
  var cards = Array.prototype.slice.call(list.querySelectorAll("section.prompt"));
  var show = document.getElementById("show");
  var sort = document.getElementById("sort");
  var min = document.getElementById("min");
  var max = document.getElementById("max");
  var count = document.getElementById("count");

  function num(card, key) {
    var v = card.getAttribute("data-" + key);
    return v === null || v === "" ? NaN : parseFloat(v);
  }

  function shown(card) {
    var s = show.value;
    if (s === "failed" && card.getAttribute("data-status") !== "failed") return false;
    if ((s === "improved" || s === "unchanged" || s === "worse") && card.getAttribute("data-change") !== s) return false;
    if (s === "early" && card.getAttribute("data-early") !== "1") return false;
    var lo = parseFloat(min.value), hi = parseFloat(max.value);
    if (!isNaN(lo) || !isNaN(hi)) {
      var kept = num(card, "kept");
      if (isNaN(kept) || (!isNaN(lo) && kept < lo) || (!isNaN(hi) && kept > hi)) return false;
    }
    return true;
  }

  function filter() {
    var n = 0;
    for (var i = 0; i < cards.length; i++) {
      var visible = shown(cards[i]);
      cards[i].hidden = !visible;
      if (visible) n++;
    }
    count.textContent = n + " of " + cards.length + " prompts shown";
  }

  function byNumber(key, direction) {
    return function (a, b) {
      var x = num(a, key), y = num(b, key);
      if (isNaN(x) && isNaN(y)) return num(a, "n") - num(b, "n");
      if (isNaN(x)) return 1; // prompts without the figure go last either way
      if (isNaN(y)) return -1;
      return direction * (x - y) || num(a, "n") - num(b, "n");
    };
  }

  var orders = {
    id: function (a, b) { return a.getAttribute("data-id") < b.getAttribute("data-id") ? -1 : a.getAttribute("data-id") > b.getAttribute("data-id") ? 1 : 0; },
    finished: byNumber("n", 1),
    "kept-desc": byNumber("kept", -1),
    "kept-asc": byNumber("kept", 1),
    "gain-desc": byNumber("gain", -1),
    "gain-asc": byNumber("gain", 1)
  };

  // Sorting sets each card's flex order rather than moving 1,400 nodes: a much cheaper relayout.
  function order() {
    var sorted = cards.slice().sort(orders[sort.value] || orders.id);
    for (var i = 0; i < sorted.length; i++) sorted[i].style.order = i;
  }

  show.addEventListener("change", filter);
  ["input", "change"].forEach(function (event) {
    min.addEventListener(event, filter);
    max.addEventListener(event, filter);
  });
  sort.addEventListener("change", order);
  document.getElementById("controls").hidden = false;
  order();
  filter();
})();
