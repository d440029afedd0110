/* Enhances the server-rendered slot picker:
 * - a month calendar following the ARIA grid pattern (one tab stop; arrows, Home/End,
 *   PageUp/PageDown move; Enter/Space choose), marking the days with free times
 *   (one availability-batch call per month);
 * - times in the customer's locale (12/24-hour, names, first day of the week) and zone,
 *   the zone detected by the browser and changeable through a searchable list;
 * - the language switcher keeps the chosen day, zone and time;
 * - on a phone: a chosen day's times are scrolled into view and announced (a polite live region),
 *   the sticky summary ("Tue 15 Dec · 10:00 · Portrait session") follows the chosen time and its
 *   Continue moves on to the details; a time inside the change window switches the policy sentence
 *   to "online changes are closed for this time" (ADR 0022).
 * Without this script the page still works: the day is chosen with a GET form (#day-picker, whose
 * controls stand inside the booking form and join it through their form attribute). */
(function () {
  "use strict";

  var dayForm = document.getElementById("day-picker");
  var monthBox = document.getElementById("month");
  var slotGrid = document.getElementById("slot-grid");
  if (!dayForm || !monthBox || !slotGrid || !window.fetch || !window.Intl) return;

  var bookingForm = slotGrid.closest("form");
  var zoneSelect = document.getElementById("tz");
  var zoneSearch = document.getElementById("tz-search");
  var zoneCount = document.getElementById("tz-count");
  var dayInput = document.getElementById("day");
  var zoneField = bookingForm.querySelector("input[name=timezone]");
  var dateField = bookingForm.querySelector("input[name=date]");
  var legend = document.getElementById("slots-legend");
  var zoneName = document.querySelector("[data-zone-name]");
  var slotsBox = document.getElementById("slots");
  var slotsStatus = document.getElementById("slots-status");
  var lateHint = document.getElementById("late-hint");
  var choiceBar = document.getElementById("choice-bar");
  var choiceWhen = document.getElementById("choice-when");
  var choiceContinue = document.getElementById("choice-continue");
  var policyOpen = document.getElementById("policy-open");
  var policyLate = document.getElementById("policy-late");
  var settings = dayForm.dataset;
  var text = JSON.parse(document.getElementById("picker-text").textContent);
  var aliases = JSON.parse(document.getElementById("zone-aliases").textContent);
  var locale = settings.locale || document.documentElement.lang || "en";
  var studioZone = settings.studioZone;
  var studioLeads = settings.leads !== "customer";
  // The server's "now + change notice" moves on with the page's age (the server's clock, not the device's).
  var changeCutoff = settings.changeCutoff ? new Date(settings.changeCutoff).getTime() : null;
  var loadedAt = Date.now();
  var firstWeekday = Number(settings.firstWeekday || 0);  // 0 = Monday … 6 = Sunday
  var selectedDay = settings.day;
  var shownMonth = selectedDay.slice(0, 7);
  var monthData = {};  // "YYYY-MM" -> promise of {"YYYY-MM-DD": ["...Z", ...]}

  function plural(count, one, other) {
    return new Intl.PluralRules(locale).select(count) === "one" ? one : other;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // --- formatting --------------------------------------------------------------------
  function format(zone, options) {
    options.timeZone = zone;
    return new Intl.DateTimeFormat(locale, options);
  }

  function localDate(instant, zone) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(instant);
  }

  function clock(instant, zone) {
    return format(zone, { timeStyle: "short" }).format(instant);  // CLDR short time, as Babel on the server
  }

  function longDay(instant, zone) {
    return format(zone, { weekday: "long", day: "numeric", month: "long" }).format(instant);
  }

  function leadingZone() {
    var zone = currentZone();
    return zone === studioZone || studioLeads ? studioZone : zone;
  }

  function shortDay(instant, zone) {  // "Tue 15 Dec", as Babel's MMMEd on the server
    return format(zone, { weekday: "short", day: "numeric", month: "short" }).format(instant);
  }

  function dayAsDate(day) {
    var parts = day.split("-").map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], 12));
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function addDays(day, count) {
    var date = dayAsDate(day);
    date.setUTCDate(date.getUTCDate() + count);
    return isoDay(date);
  }

  function addMonths(day, count) {
    var parts = day.split("-").map(Number);
    var target = new Date(Date.UTC(parts[0], parts[1] - 1 + count, 1, 12));
    var length = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(parts[2], length));
    return isoDay(target);
  }

  function weekColumn(day) {  // 0 … 6 from the locale's first day of the week
    return (dayAsDate(day).getUTCDay() + 6 - firstWeekday) % 7;
  }

  function utcValue(start) {
    return new Date(start).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function currentZone() {
    return zoneSelect.value;
  }

  // --- slots -------------------------------------------------------------------------------
  function labelSlot(label, zone) {
    var instant = new Date(label.querySelector("input").value);
    var customerTime = clock(instant, zone);
    if (localDate(instant, zone) !== localDate(instant, studioZone)) {
      // The studio's day crosses midnight where the customer is: say which day.
      customerTime = format(zone, { weekday: "short" }).format(instant) + " " + customerTime;
    }
    var studioTime = clock(instant, studioZone);
    var main = zone === studioZone || studioLeads ? studioTime : customerTime;
    if (slotGrid.hasAttribute("data-with-day")) main = longDay(instant, studioLeads ? studioZone : zone) + ", " + main;
    label.querySelector(".slot-time").textContent = main;
    markLate(label.querySelector("input"));
    var other = label.querySelector(".slot-other");
    if (zone === studioZone) {
      if (other) other.remove();
      return;
    }
    if (!other) {
      other = document.createElement("span");
      other.className = "slot-other";
      label.appendChild(other);
    }
    other.textContent = studioLeads ? fill(text.yourTime, { time: customerTime }) : fill(text.studioTime, { time: studioTime });
  }

  function describeZone(zone, label) {
    // Which clock leads, in words: the sentence changes with the zone, not only the zone's name.
    var box = document.getElementById("slots-zone-text");
    if (!box) {
      if (zoneName && !(studioLeads && zone !== studioZone)) zoneName.textContent = label;
      return;
    }
    var parts = zone === studioZone ? text.zoneSame : studioLeads ? text.zoneStudioLeads : text.zoneCustomerLeads;
    var strong = document.createElement("strong");
    strong.setAttribute("data-zone-name", "");
    strong.textContent = zone !== studioZone && studioLeads
      ? document.getElementById("slots-zone").dataset.studioZoneLabel : label;
    box.replaceChildren(document.createTextNode(parts[0]), strong, document.createTextNode(parts[1]));
  }

  function relabel() {
    var zone = currentZone();
    zoneField.value = zone;
    var option = zoneSelect.options[zoneSelect.selectedIndex];
    describeZone(zone, option ? option.text : zone);
    slotGrid.classList.toggle("two-clocks", zone !== studioZone);
    slotGrid.querySelectorAll("label.slot").forEach(function (label) { labelSlot(label, zone); });
    if (lateHint) lateHint.hidden = !slotGrid.querySelector("input[data-late]");
    keepInLanguageLinks();
    updateChoice();
  }

  function slotLabel(start) {
    var label = document.createElement("label");
    label.className = "slot";
    var input = document.createElement("input");
    input.type = "radio";
    input.name = "start";
    input.required = true;
    input.value = start;
    var time = document.createElement("span");
    time.className = "slot-time";
    label.append(input, time);
    return label;
  }

  function markLate(input) {
    var late = changeCutoff !== null && new Date(input.value).getTime() < changeCutoff + (Date.now() - loadedAt);
    input.toggleAttribute("data-late", late);
    if (late) input.setAttribute("aria-describedby", "late-hint");
    else input.removeAttribute("aria-describedby");
  }

  // --- the sticky summary and the policy for the chosen time ----------------------------------
  function checkedStart() {
    return bookingForm.querySelector("input[name=start]:checked");
  }

  function updateChoice() {
    var checked = checkedStart();
    if (choiceWhen) {
      if (checked) {
        var instant = new Date(checked.value);
        choiceWhen.textContent = shortDay(instant, leadingZone()) + " · " + clock(instant, leadingZone());
      } else {
        choiceWhen.textContent = text.noTimeChosen;
      }
      choiceWhen.classList.toggle("choice-empty", !checked);
    }
    var late = !!checked && checked.hasAttribute("data-late");
    if (policyOpen) policyOpen.hidden = late;
    if (policyLate) policyLate.hidden = !late;
  }
  bookingForm.addEventListener("change", updateChoice);

  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function bringIntoView(element) {
    var rect = element.getBoundingClientRect();
    var covered = choiceBar ? choiceBar.getBoundingClientRect().height : 0;
    // Scroll only when the box's first row is not already on screen above the sticky summary.
    if (rect.top >= 0 && rect.top + Math.min(rect.height, 96) <= window.innerHeight - covered) return;
    element.scrollIntoView({ behavior: reducedMotion ? "auto" : "smooth", block: "start" });
  }

  if (choiceContinue) {
    choiceContinue.addEventListener("click", function (event) {
      event.preventDefault();
      if (!checkedStart()) {
        var first = slotGrid.querySelector("input[name=start]");
        announce(text.chooseTimeFirst);
        bringIntoView(slotsBox);
        (first || slotsBox).focus({ preventScroll: true });
        return;
      }
      var target = document.querySelector(choiceContinue.getAttribute("href"));
      if (!target) return;
      target.scrollIntoView({ behavior: reducedMotion ? "auto" : "smooth", block: "start" });
      var field = target.querySelector("input:not([type=hidden]):not([tabindex='-1']), select, textarea");
      (field || target).focus({ preventScroll: true });
    });
  }

  function announce(message) {
    if (!slotsStatus) return;
    // Emptied first, so the same words said twice are spoken twice.
    slotsStatus.textContent = "";
    window.setTimeout(function () { slotsStatus.textContent = message; }, 50);
  }

  function showDay(day, starts) {
    selectedDay = day;
    dateField.value = day;
    if (dayInput) dayInput.value = day;
    legend.textContent = fill(text.freeTimesOn, { day: longDay(dayAsDate(day), "UTC") });
    slotGrid.removeAttribute("data-with-day");
    slotGrid.replaceChildren();
    if (!starts.length) {
      var empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = text.noTimesThisDay;
      slotGrid.appendChild(empty);
    }
    starts.forEach(function (start) { slotGrid.appendChild(slotLabel(start)); });
    relabel();
  }

  function showChosenDay(day, starts) {
    // A day chosen by tap, click or key: its times come into view and are announced.
    showDay(day, starts);
    var spokenDay = longDay(dayAsDate(day), "UTC");
    announce(starts.length
      ? fill(plural(starts.length, text.timesShownOne, text.timesShownOther), { n: starts.length, day: spokenDay })
      : spokenDay + ": " + text.noTimesThisDay);
    bringIntoView(slotsBox);
  }

  // --- the language switcher keeps what was chosen ----------------------------------------------
  function keepInLanguageLinks() {
    var checked = checkedStart();
    document.querySelectorAll(".language-link").forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("date", selectedDay);
      url.searchParams.set("tz", currentZone());
      if (checked) url.searchParams.set("slot", checked.value);
      else url.searchParams.delete("slot");
      link.href = url.pathname + url.search;
    });
  }
  bookingForm.addEventListener("change", keepInLanguageLinks);

  // --- month calendar (ARIA grid) ----------------------------------------------------------------
  function fetchMonth(month) {
    if (monthData[month]) return monthData[month];
    var parts = month.split("-").map(Number);
    var length = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();
    var dates = [];
    for (var d = 1; d <= length; d++) {
      var day = month + "-" + String(d).padStart(2, "0");
      if (day >= settings.today && day <= settings.lastDay) dates.push(day);
    }
    if (!dates.length) return Promise.resolve({});
    var body = { dates: dates };
    if (settings.service) body.service = settings.service;
    else body.duration = Number(settings.duration);
    if (settings.resource) body.resource = settings.resource;
    if (settings.manageToken) body.manage_token = settings.manageToken;
    monthData[month] = fetch(settings.batchUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error("availability " + response.status);
      return response.json();
    }).then(function (data) {
      var byDay = {};
      data.days.forEach(function (entry) { byDay[entry.date] = entry.slots.map(function (s) { return utcValue(s.start); }); });
      return byDay;
    });
    monthData[month].catch(function () { delete monthData[month]; });
    return monthData[month];
  }

  function navButton(text, step, month) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = "month-nav";
    el.textContent = step < 0 ? "‹" : "›";
    el.setAttribute("aria-label", text);
    el.disabled = step < 0 ? month <= settings.today.slice(0, 7) : month >= settings.lastDay.slice(0, 7);
    el.addEventListener("click", function () {
      var target = addMonths(month + "-01", step).slice(0, 7);
      openMonth(target).then(function () {
        var again = monthBox.querySelectorAll(".month-nav")[step < 0 ? 0 : 1];
        (again.disabled ? gridCell(focusableDay()) : again).focus();
      });
    });
    return el;
  }

  function drawMonth(month, byDay) {
    var first = month + "-01";
    var parts = month.split("-").map(Number);
    var length = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();

    var head = document.createElement("div");
    head.className = "month-head";
    var title = document.createElement("h4");
    title.id = "month-title";
    title.className = "month-title";
    title.textContent = format("UTC", { month: "long", year: "numeric" }).format(dayAsDate(first));
    head.append(navButton(text.previousMonth, -1, month), title, navButton(text.nextMonth, 1, month));

    var grid = document.createElement("table");
    grid.className = "month-grid";
    grid.setAttribute("role", "grid");
    grid.setAttribute("aria-labelledby", "month-title");
    var headRow = grid.createTHead().insertRow();
    for (var c = 0; c < 7; c++) {
      // 2024-01-01 was a Monday: day c of the locale's week.
      var sample = dayAsDate(addDays("2024-01-01", (c + firstWeekday) % 7));
      var th = document.createElement("th");
      th.scope = "col";
      th.className = "weekday";
      th.abbr = format("UTC", { weekday: "long" }).format(sample);
      th.textContent = format("UTC", { weekday: "short" }).format(sample);
      headRow.appendChild(th);
    }
    var body = grid.createTBody();
    var row = body.insertRow();
    for (var blank = 0; blank < weekColumn(first); blank++) row.insertCell();
    var free = 0;
    for (var d = 1; d <= length; d++) {
      var day = month + "-" + String(d).padStart(2, "0");
      if (d > 1 && weekColumn(day) === 0) row = body.insertRow();
      var starts = byDay[day] || [];
      var cell = row.insertCell();
      cell.className = "day";
      cell.setAttribute("role", "gridcell");
      cell.dataset.date = day;
      cell.tabIndex = -1;
      cell.textContent = String(d);
      var spoken = longDay(dayAsDate(day), "UTC") + ", " +
        (starts.length ? fill(plural(starts.length, text.freeCountOne, text.freeCountOther), { n: starts.length })
          : text.noFreeTimes);
      cell.setAttribute("aria-label", spoken);
      cell.setAttribute("aria-selected", String(day === selectedDay));
      if (starts.length) {
        free++;
        cell.classList.add("has-slots");
      } else {
        cell.setAttribute("aria-disabled", "true");
      }
    }
    grid.addEventListener("click", function (event) {
      var target = event.target.closest(".day");
      if (target) choose(target);
    });
    grid.addEventListener("keydown", onGridKey);

    var status = document.createElement("p");
    status.className = "month-status";
    status.setAttribute("role", "status");
    status.textContent = free ? "" : text.noTimesThisMonth;
    var key = document.createElement("p");
    key.className = "legend-key";
    key.textContent = text.legendKey;

    monthBox.replaceChildren(head, grid, status, key);
    monthBox.hidden = false;
    var tabStop = gridCell(focusableDay());
    if (tabStop) tabStop.tabIndex = 0;
  }

  function gridCell(day) {
    return monthBox.querySelector('.day[data-date="' + day + '"]');
  }

  function focusableDay() {
    // The one tab stop: the chosen day when shown, else the first day with free times, else the 1st.
    if (selectedDay.slice(0, 7) === shownMonth && gridCell(selectedDay)) return selectedDay;
    var open = monthBox.querySelector(".day.has-slots");
    return open ? open.dataset.date : shownMonth + "-01";
  }

  function moveFocus(day) {
    if (day < settings.today) day = settings.today;
    if (day > settings.lastDay) day = settings.lastDay;
    var ready = day.slice(0, 7) === shownMonth ? Promise.resolve() : openMonth(day.slice(0, 7));
    ready.then(function () {
      var cell = gridCell(day);
      if (!cell) return;
      monthBox.querySelectorAll(".day[tabindex='0']").forEach(function (other) { other.tabIndex = -1; });
      cell.tabIndex = 0;
      cell.focus();
    });
  }

  function onGridKey(event) {
    var cell = event.target.closest(".day");
    if (!cell) return;
    var day = cell.dataset.date;
    var moves = {
      ArrowRight: function () { return addDays(day, 1); },
      ArrowLeft: function () { return addDays(day, -1); },
      ArrowDown: function () { return addDays(day, 7); },
      ArrowUp: function () { return addDays(day, -7); },
      Home: function () { return addDays(day, -weekColumn(day)); },
      End: function () { return addDays(day, 6 - weekColumn(day)); },
      PageDown: function () { return addMonths(day, 1); },
      PageUp: function () { return addMonths(day, -1); }
    };
    if (moves[event.key]) {
      event.preventDefault();
      moveFocus(moves[event.key]());
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choose(cell);
    }
  }

  function choose(cell) {
    if (!cell.classList.contains("has-slots")) return;
    monthBox.querySelectorAll(".day").forEach(function (other) {
      other.setAttribute("aria-selected", String(other === cell));
      other.tabIndex = other === cell ? 0 : -1;
    });
    fetchMonth(shownMonth).then(function (byDay) { showChosenDay(cell.dataset.date, byDay[cell.dataset.date] || []); });
  }

  function openMonth(month) {
    shownMonth = month;
    var status = monthBox.querySelector(".month-status");
    if (status) status.textContent = text.loading;
    return fetchMonth(month).then(function (byDay) {
      drawMonth(month, byDay);
    }).catch(function () {
      // Fall back to the plain day form rather than leave the customer stuck.
      document.documentElement.classList.remove("js");
      monthBox.hidden = true;
    });
  }

  // --- the zone list: searchable by city or zone id -------------------------------------------------
  function fold(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  if (zoneSearch) {
    zoneSearch.addEventListener("input", function () {
      var wanted = fold(zoneSearch.value.trim());
      var shown = 0;
      Array.prototype.forEach.call(zoneSelect.options, function (option) {
        var match = !wanted || fold(option.text).indexOf(wanted) >= 0 || fold(option.value).indexOf(wanted) >= 0;
        option.hidden = !match && !option.selected;
        if (match) shown++;
      });
      var firstMatch = Array.prototype.find.call(zoneSelect.options, function (option) { return !option.hidden && wanted; });
      if (firstMatch && !zoneSelect.options[zoneSelect.selectedIndex].hidden && wanted &&
          fold(zoneSelect.options[zoneSelect.selectedIndex].text).indexOf(wanted) < 0) {
        zoneSelect.value = firstMatch.value;
        relabel();
      }
      zoneCount.textContent = wanted ? fill(plural(shown, text.zonesFoundOne, text.zonesFoundOther), { n: shown }) : "";
    });
  }

  // --- start -----------------------------------------------------------------------------------
  var detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  detected = aliases[detected] || detected;
  if (detected && !("zoneChosen" in settings)) {
    if (!Array.prototype.some.call(zoneSelect.options, function (o) { return o.value === detected; })) {
      zoneSelect.add(new Option(detected, detected));
    }
    zoneSelect.value = detected;
  }
  zoneSelect.addEventListener("change", relabel);
  relabel();
  openMonth(shownMonth);
})();
