/* The sidebar editor's keyboard moves, its "More" toggles and its numbering.
 *
 * django-admin-sortable2 drags the saved items (div.has_original) by their handle and then
 * numbers their hidden `input._reorder_` 1..N in page order; the Move up and Move down buttons
 * do the same here, so that reordering never needs a mouse. A static file, as the CSP allows.
 */
"use strict";

(function () {
    function items(group) {
        return Array.from(group.querySelectorAll(".desk-link.has_original"));
    }

    // The item's words, as the reader sees them: a video's title, a story's teaser.
    function itemText(item) {
        const fields = item.querySelectorAll(".field-title input, .field-title .readonly, " +
            ".field-teaser textarea, .field-teaser .readonly");
        for (const field of fields) {
            const text = (field.value !== undefined ? field.value : field.textContent).trim();
            if (text) {
                return text.length > 60 ? text.slice(0, 59) + "…" : text;
            }
        }
        return "item";
    }

    // The numbers in the handles, and which moves are possible, from the page's order.
    function refresh(group) {
        const saved = items(group);
        group.querySelectorAll(".desk-link:not(.empty-form)").forEach(function (item, index) {
            const number = item.querySelector(".desk-link__number");
            if (number) {
                number.textContent = String(index + 1);
            }
        });
        saved.forEach(function (item, index) {
            const up = item.querySelector('[data-desk-move="up"]');
            const down = item.querySelector('[data-desk-move="down"]');
            if (up) {
                up.setAttribute("aria-disabled", String(index === 0));
            }
            if (down) {
                down.setAttribute("aria-disabled", String(index === saved.length - 1));
            }
        });
    }

    // As adminsortable2 does after a drag: the saved items' positions are 1..N in page order.
    function renumber(group) {
        items(group).forEach(function (item, index) {
            const input = item.querySelector("input._reorder_");
            if (input) {
                input.value = String(index + 1);
            }
        });
    }

    function announce(group, message) {
        const region = group.querySelector("[aria-live]");
        if (!region) {
            return;
        }
        // Emptied first, so that the same words twice are announced twice.
        region.textContent = "";
        window.setTimeout(function () { region.textContent = message; }, 50);
    }

    function move(group, button) {
        const item = button.closest(".desk-link");
        const saved = items(group);
        const from = saved.indexOf(item);
        const to = button.dataset.deskMove === "up" ? from - 1 : from + 1;
        if (from < 0 || to < 0 || to >= saved.length) {
            announce(group, "“" + itemText(item) + "” is already " +
                (to < 0 ? "first." : "last."));
            return;
        }
        if (to < from) {
            saved[to].before(item);
        } else {
            saved[to].after(item);
        }
        renumber(group);
        refresh(group);
        // Moving the element took the focus with it: give it back, or to the other button at
        // the end of the list.
        let focus = button;
        if (button.getAttribute("aria-disabled") === "true") {
            focus = item.querySelector(button.dataset.deskMove === "up" ?
                '[data-desk-move="down"]' : '[data-desk-move="up"]') || button;
        }
        focus.focus();
        announce(group, "Moved “" + itemText(item) + "” to " + (to + 1) + " of " +
            saved.length + ".");
    }

    // "More": the fields editors change least, collapsed unless they hold an error.
    function setUpMore(item) {
        const panel = item.querySelector("[data-desk-more]");
        const toggle = item.querySelector(".desk-more-toggle");
        if (!panel || !toggle || toggle.dataset.deskReady) {
            return;
        }
        toggle.dataset.deskReady = "1";
        toggle.setAttribute("aria-controls", panel.id);
        toggle.setAttribute("aria-label", "More fields of “" + itemText(item) + "”");
        const open = panel.querySelector(".errorlist") !== null;
        toggle.setAttribute("aria-expanded", String(open));
        panel.hidden = !open;
        toggle.hidden = false;
        toggle.addEventListener("click", function () {
            const expanded = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", String(expanded));
            panel.hidden = !expanded;
        });
    }

    // A video shows its title, a story its teaser: the other field is tucked away while empty.
    function setUpKind(item) {
        const kind = item.querySelector(".field-kind select");
        if (!kind) {
            return;
        }
        const show = function () {
            item.classList.toggle("desk-link--video", kind.value === "video");
            item.classList.toggle("desk-link--story", kind.value === "story");
            item.querySelectorAll(".field-title, .field-teaser, .field-duration_seconds")
                .forEach(function (field) {
                const input = field.querySelector("input, textarea");
                field.classList.toggle("desk-empty", Boolean(input) && input.value.trim() === "");
            });
        };
        kind.addEventListener("change", show);
        show();
    }

    function setUp(group) {
        group.querySelectorAll(".desk-link:not(.empty-form)").forEach(function (item) {
            setUpMore(item);
            setUpKind(item);
        });
        group.addEventListener("click", function (event) {
            const button = event.target.closest("[data-desk-move]");
            if (button && group.contains(button)) {
                event.preventDefault();
                move(group, button);
            }
        });
        // A drag (adminsortable2), an added or a removed row: the numbers follow the page.
        const fieldset = group.querySelector("fieldset");
        new MutationObserver(function () { refresh(group); }).observe(fieldset, {childList: true});
        refresh(group);
    }

    // Django's inlines.js announces a new row through a jQuery-free DOM event.
    document.addEventListener("formset:added", function (event) {
        const item = event.target;
        const group = item.closest(".desk-sidebar");
        if (group) {
            setUpMore(item);
            setUpKind(item);
            refresh(group);
        }
    });

    function start() {
        document.querySelectorAll(".desk-sidebar").forEach(setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
