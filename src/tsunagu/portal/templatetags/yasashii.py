"""やさしい日本語 and furigana for templates: ``{% load yasashii %}``.

For any app's templates (alerts, notices, guides). Examples::

    {% load yasashii %}
    {{ alert.body|ruby }}                    furigana over every kanji
    {{ alert.body|ruby:3 }}                  only over kanji taught from grade 3 on
    {% ruby "避難所へ移動してください。" %}     the same as a tag (also ``min_grade=3``)
    {{ alert.body|yasashii }}                always the easy version (human-written or automatic)
    {{ proc.visit|tr_easy }}                 like ``tr``; in やさしい日本語 a text without a
                                             human-written easy version is rewritten and
                                             marked 「（自動）」
    {% auto_easy_note %}                     the note that explains that mark
    {% yasashii_block %}<p>{{ alert.body }}</p>{% endyasashii_block %}
                                             in やさしい日本語 (the visitor's language
                                             switch), the text of the block is rewritten
                                             and marked; otherwise it is left as it is
    {% yasashii_block always %}…{% endyasashii_block %}
                                             rewritten whatever the language

``ruby`` takes plain text (escaped first) or HTML that is already safe (then only its text
nodes get furigana: markup, attributes, ``<code>``, form values stay). The base template's
``{% furigana_main %}`` applies furigana to the page's main content when the visitor has
turned the 「ふりがな」 switch on; ``{% furigana_block %}…{% endfurigana_block %}`` does the same
for content outside ``<main>`` (an emergency banner). See docs/yasashii-portal.md.
"""

from __future__ import annotations

import structlog
from django import template
from django.template.base import Node, NodeList, Parser, Token
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext as _

from tsunagu.portal.easy import EASY_LANG, content_text, easy_html, easy_version
from tsunagu.portal.furigana import furigana_html, ruby_cached
from tsunagu.portal.lang import current_lang
from tsunagu.procedures.schema import Text

register = template.Library()
log = structlog.get_logger(__name__)

MIN_GRADES = (1, 2, 3)


def _grade(value: object) -> int | None:
    try:
        grade = int(str(value))
    except ValueError:
        return None
    return grade if grade in MIN_GRADES else None


def _ruby(value: object, min_grade: int | None) -> SafeString:
    if value is None:
        return mark_safe("")
    if isinstance(value, Text):  # a procedure text: the one of the visitor's language
        value = value.get(current_lang())
    if isinstance(value, SafeData):
        return mark_safe(furigana_html(str(value), min_grade=min_grade))  # noqa: S308  # text nodes re-escaped
    return mark_safe(ruby_cached(str(value), min_grade))  # noqa: S308  # ruby() escapes everything


@register.filter(name="ruby")
def ruby_filter(value: object, min_grade: object = None) -> SafeString:
    """Furigana over kanji: ``{{ text|ruby }}``, or ``{{ text|ruby:3 }}`` for kanji from
    school grade 3 on (1 to 3; anything else means every kanji).

    Plain text is escaped; a safe HTML string gets furigana in its text nodes only; a
    procedure ``Text`` gives its text in the visitor's language.
    """
    return _ruby(value, _grade(min_grade) if min_grade is not None else None)


@register.simple_tag(name="ruby")
def ruby_tag(value: object, min_grade: object = None) -> SafeString:
    """``{% ruby text %}`` or ``{% ruby text min_grade=3 %}``: the same as the filter."""
    return _ruby(value, _grade(min_grade) if min_grade is not None else None)


@register.filter
def yasashii(value: Text | str | None) -> str:
    """The easy-Japanese version, in any language: ``{{ text|yasashii }}``.

    A procedure ``Text`` gives its human-written ``easy`` text when it has one; anything
    else is rewritten by the engine. The result is plain text (the template escapes it).
    """
    return easy_version(value).text


def _marked(text: str) -> SafeString:
    return format_html(
        '<span class="auto-easy">{} <span class="auto-easy__mark">{}</span></span>',
        text,
        _("（自動）"),
    )


@register.filter
def tr_easy(value: Text | str | None) -> str:
    """A content text in the visitor's language, like ``tr``: ``{{ proc.visit|tr_easy }}``.

    In やさしい日本語 a text without a human-written easy version is rewritten automatically
    and marked 「（自動）」; put ``{% auto_easy_note %}`` on the page to explain the mark.
    """
    shown = content_text(value, current_lang())
    return _marked(shown.text) if shown.automatic else shown.text


@register.simple_tag
def auto_easy_note() -> SafeString:
    """The note that explains the 「（自動）」 mark of ``tr_easy``."""
    return format_html(
        '<p class="auto-easy__note">{}</p>',
        _(
            "「（自動）」の しるしが ある 文は、コンピューターが 自動で やさしい日本語に "
            "しています。まちがいが あるかもしれません。"
        ),
    )


class YasashiiBlockNode(Node):
    def __init__(self, nodelist: NodeList, always: bool) -> None:
        self.nodelist = nodelist
        self.always = always

    def render(self, context: Context) -> SafeString:
        content = self.nodelist.render(context)
        if not self.always and current_lang() != EASY_LANG:
            return mark_safe(content)  # noqa: S308  # the block's own rendered template output
        out, changed = easy_html(content)
        if not changed:
            return mark_safe(content)  # noqa: S308  # as above
        note = format_html(
            ' <span class="auto-easy__mark">{}</span>', _("（自動で やさしい日本語に しています）")
        )
        return mark_safe(out + note)  # noqa: S308  # text nodes re-escaped by easy_html


@register.tag
def yasashii_block(parser: Parser, token: Token) -> YasashiiBlockNode:
    """``{% yasashii_block %}…{% endyasashii_block %}``: the block's text in easy Japanese
    when the visitor reads やさしい日本語, marked as automatic; ``always`` rewrites it in
    every language."""
    bits = token.split_contents()
    if len(bits) > 2 or (len(bits) == 2 and bits[1] != "always"):
        raise template.TemplateSyntaxError("yasashii_block takes no argument but 'always'")
    nodelist = parser.parse(("endyasashii_block",))
    parser.delete_first_token()
    return YasashiiBlockNode(nodelist, always=len(bits) == 2)


class FuriganaMainNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        content = self.nodelist.render(context)
        if context.get("furigana"):
            try:
                return mark_safe(furigana_html(content))  # noqa: S308  # text nodes re-escaped
            except Exception:
                # A reading aid must never break the page: show it without furigana.
                log.error("yasashii.furigana_failed", length=len(content), exc_info=True)
        return mark_safe(content)  # noqa: S308  # the page's own rendered template output


@register.tag("furigana_block")
@register.tag
def furigana_main(parser: Parser, token: Token) -> FuriganaMainNode:
    """``{% furigana_main %}…{% endfurigana_main %}`` in the base template: furigana over
    the content when the visitor's 「ふりがな」 switch is on (the context's ``furigana``).

    ``{% furigana_block %}…{% endfurigana_block %}`` is the same for content outside
    ``<main>`` (an emergency banner in the header)."""
    bits = token.split_contents()
    if len(bits) != 1:
        raise template.TemplateSyntaxError(f"{bits[0]} takes no argument")
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return FuriganaMainNode(nodelist)
