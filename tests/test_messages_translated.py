"""Every row reason in every report language: the same templates, the same fields, translated.

A translation that lost a field would raise (or drop a value) on the day a report says it; one
left in English is a sentence a clerk in Brazil cannot read. And `speaking` picks the language
for what is rendered inside it only: outside, the reports speak English as before.
"""

from __future__ import annotations

import re
import string

import pytest

from importer.messages import TEMPLATES, TRANSLATIONS, render, speaking, speaking_now
from importer.report_words import LANGUAGES


def _fields(template: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _words(template: str) -> str:
    """The template's own words: fields, quoted column names and config keys left out."""
    text = re.sub(r"\{[^}]*\}", " ", template)
    return " ".join(re.findall(r"[^\W\d_]{3,}", text))


def test_every_report_language_has_translations() -> None:
    assert set(TRANSLATIONS) == set(LANGUAGES) - {"en"}


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_every_template_is_translated_with_the_same_fields(language: str) -> None:
    translated = TRANSLATIONS[language]
    assert sorted(set(TEMPLATES) - set(translated)) == [], "not translated"
    assert sorted(set(translated) - set(TEMPLATES)) == [], "no such template in English"
    differ = [n for n in TEMPLATES if _fields(translated[n]) != _fields(TEMPLATES[n])]
    assert differ == []


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_no_template_is_left_in_english(language: str) -> None:
    # Identical only where the template has no words of its own ("{column}: {before} ->
    # {after}"): a sentence copied unchanged is English a reader of `language` gets.
    translated = TRANSLATIONS[language]
    same = [n for n in TEMPLATES if translated[n] == TEMPLATES[n] and _words(TEMPLATES[n])]
    assert same == []


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_every_translation_renders_with_its_fields(language: str) -> None:
    with speaking(language):
        for name, template in TEMPLATES.items():
            values = {f: f"<{f}>" for f in _fields(template)}
            sentence = render(name, **values)
            assert sentence == TRANSLATIONS[language][name].format(**values)
            assert all(v in sentence for v in values.values()), name


def test_speaking_picks_the_language_inside_its_block_only() -> None:
    assert speaking_now() == "en"
    english = render("missing-cell", column="base_price")
    with speaking("pt-BR"):
        assert render("missing-cell", column="base_price") == (
            '"base_price" está vazio. Preencha e envie o arquivo de novo.'
        )
        with speaking("es"):
            assert render("missing-cell", column="base_price").startswith('"base_price" está vacío')
        assert speaking_now() == "pt-BR"
    assert render("missing-cell", column="base_price") == english
    assert english == '"base_price" is empty. Fill it in and drop the file again.'


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="pt-PT"), speaking("pt-PT"):
        pass  # pragma: no cover - never entered


def test_a_template_not_translated_yet_is_said_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    # A template another change added without translating it: English, never a crash.
    monkeypatch.setitem(TEMPLATES, "new-template", "new sentence {value}")
    with speaking("pt-BR"):
        assert render("new-template", value="x") == "new sentence x"
