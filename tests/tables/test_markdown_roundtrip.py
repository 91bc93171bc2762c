"""Parse the Markdown table back and compare its numbers with the estimates."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

import vcereg
from vcereg.tables import etable
from vcereg.tables.render_markdown import unescape_markdown


def number(text: str) -> float:
    """A printed number (U+2212 minus sign, stars, parentheses) as a float."""
    return float(text.strip("()*").replace("\u2212", "-"))


def parse_pipe_table(markdown: str) -> list[list[str]]:
    """Rows of the first pipe table in ``markdown`` (alignment line dropped, unescaped)."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        if all(re.fullmatch(r"\s*:?-+:?\s*", c) for c in cells):
            continue
        rows.append([unescape_markdown(c.strip()) for c in cells])
    return rows


@pytest.mark.parametrize("digits", [2, 3, 4])
def test_markdown_numbers_match_estimates(fake_models, digits: int) -> None:
    md = etable(fake_models, digits=digits).to_markdown()
    rows = parse_pipe_table(md)
    assert rows[0] == ["", "G3", "", ""]  # the dependent variable over the three models
    assert rows[1] == ["", "(1)", "(2)", "(3)"]
    by_label = {}
    for label, below in pairwise(rows):
        if label[0]:
            by_label[label[0]] = (label[1:], below[1:])
    labels = {"Intercept": "Constant"}
    for j, result in enumerate(fake_models):
        for term in result.terms:
            top, under = by_label[labels.get(term, term)]
            estimate = number(top[j])
            se = number(under[j])
            assert estimate == round(float(result.params[term]), digits)
            assert se == round(float(result.se[term]), digits)
    assert by_label["Observations"][0] == ["395", "395", "395"]


def test_markdown_escapes_round_trip(fake_ols) -> None:
    md = etable(fake_ols, labels={"absences": "a|b *c* _d_ [e]"}, titles=["<x>"]).to_markdown()
    rows = parse_pipe_table(md)
    assert rows[1] == ["", "<x>"]
    assert [r[0] for r in rows].count("a|b *c* _d_ [e]") == 1
    assert "\\*\\*\\*" in md  # stars cannot turn into emphasis


def test_markdown_matches_tidy_of_real_results(student_data) -> None:
    models = [
        vcereg.regress("G3 ~ absences + age + C(school)", student_data),
        vcereg.regress("G3 ~ absences + failures | vce(hc3)", student_data),
    ]
    rows = parse_pipe_table(etable(models, digits=4, intercept_label="Intercept").to_markdown())
    table = {label[0]: (label[1:], below[1:]) for label, below in pairwise(rows) if label[0]}
    for j, result in enumerate(models):
        tidy = result.tidy()
        for term, est in tidy.iterrows():
            top, under = table[term]
            assert number(top[j]) == round(float(est["estimate"]), 4)
            assert number(under[j]) == round(float(est["std_error"]), 4)
