/* Enhances the server-rendered slot picker:
 * - a month view that marks the days with free times (one availability-batch call per month);
 * - times shown in the customer's own time zone, detected by the browser and changeable.
 * Without this script the page still works: the day is chosen with a GET form. */
(function () {
  "use strict";

  var dayForm = document.getElementById("day-picker");
  var monthBox = document.getElementById("month");
  var slotGrid = document.getElementById("slot-grid");
  if (!dayForm || !monthBox || !slotGrid || !window.fetch || !window.Intl) return;

  var bookingForm = slotGrid.closest("form");
  var zoneSelect = dayForm.querySelector("select[name=tz]");
  var dayInput = dayForm.querySelector("input[name=date]");
  var zoneField = bookingForm.querySelector("input[name=timezone]");
  var dateField = bookingForm.querySelector("input[name=date]");
  var legend = document.getElementById("slots-legend");
  var zoneName = document.querySelector("[data-zone-name]");
  var settings = dayForm.dataset;
  var studioZone = settings.studioZone;
  var selectedDay = settings.day;
  var shownMonth = selectedDay.slice(0, 7);
  var monthData = {};  // "YYYY-MM" -> promise of {"YYYY-MM-DD": ["...Z", ...]}

  // --- formatting --------------------------------------------------------------------
  function format(zone, options) {
    options.timeZone = zone;
    return new Intl.DateTimeFormat("en-GB", options);
  }

  function localDate(instant, zone) {
    return format(zone, { year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
  }

  function timeLabel(instant, zone) {
    var time = format(zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(instant);
    if (localDate(instant, zone) !== localDate(instant, studioZone)) {
      // The studio's day crosses midnight where the customer is: say which day.
      return format(zone, { weekday: "short" }).format(instant) + " " + time;
    }
    return time;
  }

  function longDay(instant, zone) {
    return format(zone, { weekday: "long", day: "numeric", month: "long" }).format(instant);
  }

  function dayAsDate(day) {
    var parts = day.split("-").map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
  }

  function isoDay(year, month, day) {
    return year + "-" + String(month).padStart(2, "0") + "-" + String(day).padStart(2, "0");
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
    var text = timeLabel(instant, zone);
    if (slotGrid.hasAttribute("data-with-day")) text = longDay(instant, zone) + ", " + text;
    label.querySelector(".slot-time").textContent = text;
    var studio = label.querySelector(".slot-studio");
    if (zone === studioZone) {
      if (studio) studio.remove();
      return;
    }
    if (!studio) {
      studio = document.createElement("span");
      studio.className = "slot-studio";
      label.appendChild(studio);
    }
    studio.textContent = "studio " +
      format(studioZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(instant);
  }

  function relabel() {
    var zone = currentZone();
    zoneField.value = zone;
    if (zoneName) zoneName.textContent = zone;
    slotGrid.querySelectorAll("label.slot").forEach(function (label) { labelSlot(label, zone); });
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

  function showDay(day, starts) {
    selectedDay = day;
    dateField.value = day;
    if (dayInput) dayInput.value = day;
    legend.textContent = "Free times on " + longDay(dayAsDate(day), "UTC");
    slotGrid.removeAttribute("data-with-day");
    slotGrid.replaceChildren();
    if (!starts.length) {
      var empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = "No free times on this day. Please choose another day.";
      slotGrid.appendChild(empty);
    }
    starts.forEach(function (start) { slotGrid.appendChild(slotLabel(start)); });
    relabel();
  }

  // --- month view -----------------------------------------------------------------------------
  function fetchMonth(month) {
    if (monthData[month]) return monthData[month];
    var parts = month.split("-").map(Number);
    var length = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();
    var dates = [];
    for (var d = 1; d <= length; d++) {
      var day = isoDay(parts[0], parts[1], d);
      if (day >= settings.today && day <= settings.lastDay) dates.push(day);
    }
    if (!dates.length) return Promise.resolve({});
    var body = { dates: dates };
    if (settings.service) body.service = settings.service;
    else body.duration = Number(settings.duration);
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

  function shiftMonth(month, step) {
    var parts = month.split("-").map(Number);
    var date = new Date(Date.UTC(parts[0], parts[1] - 1 + step, 1));
    return isoDay(date.getUTCFullYear(), date.getUTCMonth() + 1, 1).slice(0, 7);
  }

  function button(className, text, label) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = className;
    el.textContent = text;
    if (label) el.setAttribute("aria-label", label);
    return el;
  }

  function drawMonth(month, byDay) {
    var parts = month.split("-").map(Number);
    var first = new Date(Date.UTC(parts[0], parts[1] - 1, 1));
    var length = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();

    var head = document.createElement("div");
    head.className = "month-head";
    var previous = button("month-nav", "‹", "Previous month");
    var next = button("month-nav", "›", "Next month");
    previous.disabled = month <= settings.today.slice(0, 7);
    next.disabled = month >= settings.lastDay.slice(0, 7);
    previous.addEventListener("click", function () { openMonth(shiftMonth(month, -1), previous); });
    next.addEventListener("click", function () { openMonth(shiftMonth(month, 1), next); });
    var title = document.createElement("h3");
    title.id = "month-title";
    title.textContent = format("UTC", { month: "long", year: "numeric" }).format(first);
    head.append(previous, title, next);

    var grid = document.createElement("div");
    grid.className = "month-grid";
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-labelledby", "month-title");
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].forEach(function (name) {
      var cell = document.createElement("span");
      cell.className = "weekday";
      cell.setAttribute("aria-hidden", "true");
      cell.textContent = name;
      grid.appendChild(cell);
    });
    var free = 0;
    for (var d = 1; d <= length; d++) {
      var day = isoDay(parts[0], parts[1], d);
      var starts = byDay[day] || [];
      var spoken = longDay(dayAsDate(day), "UTC");
      var cell = button("day", String(d), spoken + (starts.length ? ", " + starts.length + " free times" : ", no free times"));
      cell.dataset.date = day;
      if (d === 1) cell.style.gridColumnStart = String(((first.getUTCDay() + 6) % 7) + 1);
      if (starts.length) {
        free++;
        cell.classList.add("has-slots");
        cell.setAttribute("aria-pressed", String(day === selectedDay));
        cell.addEventListener("click", pickDay);
      } else {
        cell.disabled = true;
      }
      grid.appendChild(cell);
    }

    var status = document.createElement("p");
    status.className = "month-status";
    status.setAttribute("role", "status");
    status.textContent = free ? "" : "No free times this month.";
    var key = document.createElement("p");
    key.className = "legend-key";
    key.textContent = "Days with free times are marked with a line.";

    monthBox.replaceChildren(head, grid, status, key);
    monthBox.hidden = false;
  }

  function pickDay(event) {
    var cell = event.currentTarget;
    monthBox.querySelectorAll(".day[aria-pressed]").forEach(function (other) {
      other.setAttribute("aria-pressed", String(other === cell));
    });
    fetchMonth(shownMonth).then(function (byDay) { showDay(cell.dataset.date, byDay[cell.dataset.date] || []); });
  }

  function openMonth(month, focusAfter) {
    shownMonth = month;
    var status = monthBox.querySelector(".month-status");
    if (status) status.textContent = "Loading free days…";
    fetchMonth(month).then(function (byDay) {
      drawMonth(month, byDay);
      if (focusAfter) {
        // Keep keyboard focus on the same arrow after the month is redrawn.
        var arrows = monthBox.querySelectorAll(".month-nav");
        var again = focusAfter.getAttribute("aria-label") === "Previous month" ? arrows[0] : arrows[1];
        (again.disabled ? monthBox.querySelector(".day.has-slots") || again : again).focus();
      }
    }).catch(function () {
      // Fall back to the plain day form rather than leave the customer stuck.
      document.documentElement.classList.remove("js");
      monthBox.hidden = true;
    });
  }

  // --- start -----------------------------------------------------------------------------------
  var detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
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
