"""HTML of bound form fields, written in Python.

The same markup as a template would give, built with escaped f-strings: a form step has
dozens of fields, and rendering each through a template include cost most of the page's
time. Every user-visible string goes through gettext; every value is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape as _escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tsunagu.applications.binding import BoundField, BoundPart

# xgettext (0.21) does not read the calls inside f-strings below, so makemessages would
# leave their texts out of the catalogs: they are marked for extraction here as well.
_F_STRING_TEXTS = (
    gettext_noop("（任意）"),
    gettext_noop("エラー："),
    gettext_noop("選んでください"),
    gettext_noop("郵便番号から住所を入れる"),
)


def escape(value: object) -> str:
    # The standard library's escape: the same characters as Django's, without the
    # lazy-string wrapper that made it the costliest call of a form page.
    return _escape(str(value), quote=True)


def _attr(name: str, value: object) -> str:
    return f' {name}="{escape(value)}"'


def _optional(required: bool) -> str:
    return "" if required else f'<span class="field__optional">{escape(_("（任意）"))}</span>'


def _hint_block(f: BoundField, *, with_secret: bool = False) -> str:
    if not (f.hint or f.condition or (with_secret and f.secret_display)):
        return ""
    inner = ""
    if f.condition:
        inner += f'<p class="field__condition">{escape(f.condition)}</p>'
    if f.hint:
        inner += f"<p>{escape(f.hint)}</p>"
    if with_secret and f.secret_display:
        text = _("入力済みです（%(masked)s）。変更する場合だけ、もう一度入力してください。") % {
            "masked": f.secret_display
        }
        inner += f"<p>{escape(text)}</p>"
    return f'<div class="field__hint" id="{escape(f.id)}-hint">{inner}</div>'


def _error(f: BoundField) -> str:
    if not f.error:
        return ""
    return (
        f'<p class="field__error" id="{escape(f.id)}-error">'
        f'<span class="visually-hidden">{escape(_("エラー："))}</span>{escape(f.error)}</p>'
    )


def _describedby(f: BoundField) -> str:
    return _attr("aria-describedby", f.describedby) if f.describedby else ""


def _input(p: BoundPart, *, error: bool, describedby: str) -> str:
    cls = f"input input--{p.width}" + (" input--error" if error else "")
    out = (
        f'<input class="{escape(cls)}" id="{escape(p.id)}" name="{escape(p.html_name)}"'
        f' type="{escape(p.input_type)}" value="{escape(p.value)}"'
        f' inputmode="{escape(p.inputmode)}" autocomplete="{escape(p.autocomplete)}"'
    )
    if p.maxlength:
        out += f' maxlength="{p.maxlength}"'
    if describedby:
        out += _attr("aria-describedby", describedby)
    return out + ' spellcheck="false">'


def _select_part(p: BoundPart) -> str:
    cls = "select" + (" input--error" if p.error else "")
    hint = _attr("aria-describedby", f"{p.id}-hint") if p.hint else ""
    options = "".join(
        f'<option value="{escape(v)}"{" selected" if sel else ""}>{escape(label)}</option>'
        for v, label, sel in p.choices
    )
    return (
        f'<select class="{cls}" id="{escape(p.id)}" name="{escape(p.html_name)}"{hint}>'
        f'<option value="">{escape(_("選んでください"))}</option>{options}</select>'
    )


def render_field(f: BoundField) -> str:
    """One field (not a group) as HTML."""
    when = _attr("data-when", f.when_json) if f.when_json else ""
    head = (
        f'<div class="field{" field--error" if f.error else ""}" id="{escape(f.id)}-field"{when}>'
    )
    label = escape(f.label)
    if f.locked:
        note = escape(_("マイナンバーカードで確認済みのため、変更できません。"))
        return (
            f'{head}<div class="verified"><p class="field__label">{label}</p>'
            f'<p class="verified__value">{escape(f.locked_display)}</p>'
            f'<p class="field__hint">{note}</p></div></div>'
        )
    widget = f.widget
    if widget in ("radios", "checkboxes"):
        kind = "radio" if widget == "radios" else "checkbox"
        options = "".join(
            f'<div class="{kind}"><input type="{kind}" id="{escape(o.id)}"'
            f' name="{escape(f.html_name)}" value="{escape(o.value)}"'
            f'{" checked" if o.checked else ""}><label for="{escape(o.id)}">{escape(o.label)}</label></div>'
            for o in f.options
        )
        return (
            f'{head}<fieldset class="fieldset"{_describedby(f)}>'
            f'<legend class="fieldset__legend">{label}{_optional(f.required)}</legend>'
            f'{_hint_block(f)}{_error(f)}<div class="{widget}">{options}</div></fieldset></div>'
        )
    if widget == "consent":
        return (
            f'{head}{_hint_block(f)}{_error(f)}<div class="checkbox">'
            f'<input type="checkbox" id="{escape(f.id)}" name="{escape(f.html_name)}" value="yes"'
            f"{' checked' if f.checked else ''}{_describedby(f)}>"
            f'<label for="{escape(f.id)}">{label}</label></div></div>'
        )
    label_tag = (
        f'<label class="field__label" for="{escape(f.id)}">{label}{_optional(f.required)}</label>'
    )
    if widget == "select":
        options = "".join(
            f'<option value="{escape(o.value)}"{" selected" if o.checked else ""}>{escape(o.label)}</option>'
            for o in f.options
        )
        return (
            f"{head}{label_tag}{_hint_block(f)}{_error(f)}"
            f'<select class="select" id="{escape(f.id)}" name="{escape(f.html_name)}"{_describedby(f)}>'
            f'<option value="">{escape(_("選んでください"))}</option>{options}</select></div>'
        )
    if widget == "textarea":
        p = f.parts[0]
        maxlength = f' maxlength="{p.maxlength}"' if p.maxlength else ""
        return (
            f"{head}{label_tag}{_hint_block(f)}{_error(f)}"
            f'<textarea class="textarea{" input--error" if f.error else ""}" id="{escape(p.id)}"'
            f' name="{escape(p.html_name)}" rows="5"{maxlength}{_describedby(f)}>'
            f"{escape(p.value)}</textarea></div>"
        )
    if len(f.parts) > 1:
        items = []
        for p in f.parts:
            part_label = (
                f'<label class="field__label" for="{escape(p.id)}">{escape(p.label)}'
                f"{_optional(p.required)}</label>"
            )
            hint = (
                f'<p class="field__hint" id="{escape(p.id)}-hint">{escape(p.hint)}</p>'
                if p.hint
                else ""
            )
            control = (
                _select_part(p)
                if p.choices
                else _input(p, error=p.error, describedby=f"{p.id}-hint" if p.hint else "")
            )
            lookup = ""
            if widget == "address" and p.name == "postal_code":
                lookup = (
                    '<button type="submit" class="button button--secondary button--small"'
                    f' name="action" value="lookup:{escape(f.html_name)}" formnovalidate>'
                    f"{escape(_('郵便番号から住所を入れる'))}</button>"
                )
            items.append(f'<div class="parts__item">{part_label}{hint}{control}{lookup}</div>')
        return (
            f'{head}<fieldset class="fieldset"{_describedby(f)}>'
            f'<legend class="fieldset__legend">{label}{_optional(f.required)}</legend>'
            f'{_hint_block(f)}{_error(f)}<div class="parts">{"".join(items)}</div></fieldset></div>'
        )
    p = f.parts[0]
    single_label = (
        f'<label class="field__label" for="{escape(p.id)}">{label}{_optional(f.required)}</label>'
    )
    return (
        f"{head}{single_label}{_hint_block(f, with_secret=True)}{_error(f)}"
        f"{_input(p, error=bool(f.error), describedby=f.describedby)}</div>"
    )


def render_group(g: BoundField, *, page_title: str) -> str:
    """A repeating group with its rows and add/remove buttons."""
    when = _attr("data-when", g.when_json) if g.when_json else ""
    # A group named like its step (支給要件児童 under 支給要件児童) keeps its heading for
    # screen readers only.
    title_cls = (
        "visually-hidden" if g.label == page_title else "fieldset__legend fieldset__legend--l"
    )
    hint = ""
    if g.hint or g.condition:
        inner = (
            f'<p class="field__condition">{escape(g.condition)}</p>' if g.condition else ""
        ) + (f"<p>{escape(g.hint)}</p>" if g.hint else "")
        hint = f'<div class="field__hint" id="{escape(g.id)}-hint">{inner}</div>'
    rows = []
    for row in g.rows:
        row_id = f"{g.id}-row-{row.index}"
        remove = ""
        if g.row_count > 1:
            text = _("%(heading)sを削除する") % {"heading": row.heading}
            remove = (
                '<button type="submit" class="button button--secondary" name="action"'
                f' value="remove:{escape(g.html_name)}:{row.index}" formnovalidate>{escape(text)}</button>'
            )
        rows.append(
            f'<section class="group-item" aria-labelledby="{escape(row_id)}">'
            f'<h3 class="group-item__title" id="{escape(row_id)}">{escape(row.heading)}</h3>'
            f"{''.join(render_field(f) for f in row.fields)}{remove}</section>"
        )
    add = ""
    if g.can_add:
        text = _("%(item)sを追加する") % {"item": g.item}
        add = (
            '<button type="submit" class="button button--secondary" name="action"'
            f' value="add:{escape(g.html_name)}" formnovalidate>{escape(text)}</button>'
        )
    return (
        f'<div class="field{" field--error" if g.error else ""}" id="{escape(g.id)}"{when}>'
        f'<h2 class="{title_cls}" id="{escape(g.id)}-title">{escape(g.label)}</h2>'
        f"{hint}{_error(g)}"
        f'<input type="hidden" name="{escape(g.html_name)}-rows" value="{g.row_count}">'
        f"{''.join(rows)}{add}</div>"
    )


def render_fields(fields: Iterable[BoundField], *, page_title: str) -> SafeString:
    """Every field of a step as one block of HTML."""
    html = "".join(
        render_group(f, page_title=page_title) if f.widget == "group" else render_field(f)
        for f in fields
    )
    return mark_safe(html)  # noqa: S308  # every value above is escaped
