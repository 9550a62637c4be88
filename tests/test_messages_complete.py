"""Every sentence a report shows comes from a template in `importer.messages`.

Read from the source with `ast`, so that a new call site is checked the day it is written:
(1) every `render("x", ...)` / `row_error(..., template="x")` names a template that exists and
passes every field the template uses; (2) no room of `importer/flows/` builds a row's reason
in English inline (a literal or an f-string instead of `render`); (3) no English reaches a
template as data (a field's value or a row's reason, followed to where it is made), and the
sentences made of the templates that replaced such data read as they did. So the reports can
be translated by translating `TEMPLATES` alone.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from importer.messages import TEMPLATES, render
from importer.outcomes import describe

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "importer"
ROOMS = PACKAGE / "flows"
# The catalog's send side: every string it writes for a person is a report message.
CATALOG_SEND = [ROOMS / "catalog" / "sync.py", ROOMS / "catalog" / "resolve.py"]
# Two words in a row: a sentence (or a clause of one), not a column name, key or separator.
WORDS = re.compile(r"[A-Za-z]+ +[A-Za-z]+")


@cache
def parsed(path: Path) -> ast.Module:
    """A module of the importer, parsed once for all the checks below (none changes a tree)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def template_fields(template: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


@dataclass(frozen=True)
class Call:
    where: str
    template: str | None  # None: the name is computed (checked where it is computed)
    fields: frozenset[str]
    open_fields: bool  # the call passes **fields: which ones is known only at run time


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _constant(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _names(node: ast.expr | None) -> list[str] | None:
    """The template names an expression gives: a literal, or each branch of `a if c else b`
    whose branches are literals; None when computed otherwise."""
    if isinstance(node, ast.IfExp):
        branches = [_names(node.body), _names(node.orelse)]
        return None if None in branches else [n for b in branches for n in b or []]
    named = _constant(node)
    return None if named is None else [named]


def template_calls(paths: list[Path]) -> list[Call]:
    calls = []
    for path in paths:
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.Call) or _name(node.func) not in ("render", "row_error"):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            open_fields = any(k.arg is None for k in node.keywords)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if _name(node.func) == "render":
                fields = frozenset(keywords)
            else:
                # row_error(type, template=..., row=..., column=..., value=..., key=...,
                # **fields) always gives the template column, value and key.
                first = keywords.get("template", first)
                fields = frozenset(
                    (set(keywords) - {"template", "row"}) | {"column", "value", "key"}
                )
            names = _names(first)
            for named in [None] if names is None else names:
                calls.append(Call(where, named, fields, open_fields))
    return calls


SOURCES = sorted(PACKAGE.rglob("*.py"))
CALLS = template_calls(SOURCES)


def test_the_walk_finds_the_call_sites() -> None:
    # A walk that finds nothing would pass every check below.
    named = [c for c in CALLS if c.template is not None]
    assert len(named) >= 40, [c.where for c in CALLS]
    assert any(c.where.startswith("importer/flows/catalog/sync.py") for c in named)


@pytest.mark.parametrize(
    "call", [c for c in CALLS if c.template is not None], ids=lambda c: c.where
)
def test_every_call_names_a_template_and_gives_its_fields(call: Call) -> None:
    assert call.template in TEMPLATES, f"{call.where}: no template {call.template!r}"
    if call.open_fields:
        return  # the fields come from a mapping: the template itself is checked below
    missing = template_fields(TEMPLATES[call.template]) - call.fields
    assert not missing, f"{call.where}: {call.template!r} needs {sorted(missing)}"
    # And the sentence renders with exactly those fields (no stray brace, no format spec
    # that a text value would break).
    assert render(call.template, **dict.fromkeys(call.fields, "x"))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_with_its_own_fields(name: str) -> None:
    sentence = render(name, **dict.fromkeys(template_fields(TEMPLATES[name]), "x"))
    assert sentence.strip() and "{" not in sentence.replace("{x}", "")


def test_every_template_is_said_somewhere() -> None:
    # A template whose name no module of the importer mentions is a sentence no report can
    # show: a leftover, or a caller that spells the name differently.
    names: set[str] = set()
    for path in SOURCES:
        # The templates and their translations name every template: only callers count.
        if path.parent == PACKAGE and path.name.startswith("messages"):
            continue
        names |= {
            node.value
            for node in ast.walk(parsed(path))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
    assert sorted(set(TEMPLATES) - names) == []


@pytest.mark.parametrize(
    ("module", "table"),
    [
        ("messages.py", "TEMPLATES"),
        ("messages_pt_br.py", "TEMPLATES_PT_BR"),
        ("messages_es.py", "TEMPLATES_ES"),
    ],
)
def test_no_template_name_is_given_twice(module: str, table: str) -> None:
    # A dict literal keeps the last of two equal keys without a word: a template written by
    # one change and again by another would silently lose one sentence (or a translation).
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    (templates,) = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and _name(n.target) == table
    ]
    assert isinstance(templates, ast.Dict)
    keys = [str(_constant(k)) for k in templates.keys if k is not None]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


# -- (2) no reason is English built inline ---------------------------------------------------


def _inline_english(node: ast.AST) -> list[ast.expr]:
    """The literals and f-strings with words in `node`, not looking inside `render(...)`."""
    if isinstance(node, ast.Call) and _name(node.func) == "render":
        return []
    if isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node] if re.search(r"[A-Za-z]", node.value) else []
    return [hit for child in ast.iter_child_nodes(node) for hit in _inline_english(child)]


def _reason_expressions(tree: ast.AST) -> list[ast.expr]:
    """What becomes the reason of a row's outcome: `reason=` (or a record's `_reason=`) of any
    call (RowOutcome and the rooms' helpers), the catalog's `_RowFailure(type, reason)`, and
    what is assigned to a `reason`, an `outcome.reason` or a resolver's `failed[...]` (a
    category's or brand's reason, which its products' rows carry)."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [k.value for k in node.keywords if k.arg in ("reason", "_reason")]
            if _name(node.func) == "_RowFailure" and len(node.args) >= 2:
                found.append(node.args[1])
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                is_failed = isinstance(target, ast.Subscript) and _name(target.value) == "failed"
                if _name(target) == "reason" or is_failed:
                    found.append(node.value)
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


ROOM_FILES = sorted(ROOMS.rglob("*.py"))


def _inline_reasons(source: str) -> list[int]:
    tree = ast.parse(source)
    return sorted(
        {
            hit.lineno
            for expression in _reason_expressions(tree)
            for hit in _inline_english(expression)
        }
    )


def test_the_check_tells_an_inline_reason_from_a_template() -> None:
    # The forms today's catalog had (each line 1-7), and the forms that are fine (8-12).
    source = """
RowOutcome(row, Action.FAILED, reason=f"not sent: product {ref} was not saved")
RowOutcome(row, Action.FAILED, reason="the product failed")
_RowFailure("missing-cell", f"VTEX needs {columns} to create a SKU.")
outcome.reason = "product: " + describe(product, previous, changed)
reason = product_outcome.reason if product_outcome else "the product failed"
out.failed[name] = ("brand " + name + " could not be created")
raise _RowFailure("dependency-failed", resolved.failed.get(text, f"{what} failed"))
RowOutcome(row, Action.FAILED, reason=render("product-failed"))
_RowFailure("not-activated", render("not-activated", reasons="; ".join(parts)))
outcome.reason = " ".join(n.reason for n in notes)
reason = product_outcome.reason if product_outcome else render("product-failed")
out.failed[name] = render("brand-unknown", brand=name)
"""
    assert _inline_reasons(source.strip()) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("path", ROOM_FILES, ids=lambda p: str(p.relative_to(ROOMS)))
def test_no_reason_is_built_inline(path: Path) -> None:
    tree = parsed(path)
    inline = [
        f"{path.relative_to(ROOT)}:{hit.lineno}: {ast.unparse(hit)[:80]}"
        for expression in _reason_expressions(tree)
        for hit in _inline_english(expression)
    ]
    assert not inline, "a row's reason must come from render(<template>, ...):\n" + "\n".join(
        inline
    )


@pytest.mark.parametrize("path", ROOM_FILES, ids=lambda p: str(p.relative_to(ROOMS)))
def test_no_sentence_is_an_f_string(path: Path) -> None:
    tree = parsed(path)
    sentences = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values
            )
            if WORDS.search(text):
                sentences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:80]}")
    assert not sentences, "a sentence belongs in importer/messages.py:\n" + "\n".join(sentences)


@pytest.mark.parametrize("path", CATALOG_SEND, ids=lambda p: p.name)
def test_the_catalog_send_side_writes_no_sentence(path: Path) -> None:
    # Parts of a sentence too (why VTEX did not activate a SKU): each is a template.
    tree = parsed(path)
    docstrings = _docstrings(tree)
    in_f_strings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    sentences = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:80]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings | in_f_strings
        and WORDS.search(node.value)
    ]
    assert not sentences, "a sentence belongs in importer/messages.py:\n" + "\n".join(sentences)


# -- (3) no English reaches a template as data -----------------------------------------------
#
# A field of a template is data: a value, a number, a column's name, VTEX's own words. English
# passed as a field ('greater than 0', 'has not finished yet', 'none', '(empty)', "x or y")
# stays English whatever language the templates speak. For every value given to a template
# (render, row_error, and the helpers that hand their **fields on to them), the check follows
# where the value comes from, as far as the source says: literals, f-strings, names assigned in
# the function or the module (or imported from another), a function's parameter (to what its
# callers pass), an attribute (to every value given anywhere under that name: a keyword, an
# assignment, a class attribute or default). What a nested render(...) returns is a
# template's, so it is not followed. Dictionary keys and `.get` keys are not output.

# Words of VTEX's (proper nouns, the same in every language) and of protocols a field may carry.
VTEX_WORDS = frozenset({"Bulk Pricing", "batch inventory", "HTTP", "Name", "RefId"})
# VTEX's statuses and codes are upper case ('COMPLETED', 'AWAITING_UPLOAD'): VTEX's words too.
VTEX_CODE = re.compile(r"[A-Z0-9_]+")
# A text that is a code, a key, a path or an identifier rather than a word a person reads.
CODE_SHAPED = re.compile(r"[\w.:/@+\-{}]*")
# Not row messages: the report's summary says what to do with the file in sentences of its
# own (f-strings today), which a report in another language translates as a whole.
NOT_ROWS = ("importer/report.py:",)
# Fields of a template that are not data a person reads (the template's name, the row number).
NOT_DATA = frozenset({"template", "row"})


def _column_names(source: _Source) -> frozenset[str]:
    """The names the flows give their columns: the first argument of each `Column(...)`."""
    named = (_constant(call.args[0]) for call in source.calls.get("Column", []) if call.args)
    return frozenset(name for name in named if name is not None)


@dataclass
class _Source:
    """The modules a check reads, with what it needs to follow a value to where it is made."""

    trees: dict[str, ast.Module]
    parents: dict[int, ast.AST]
    # name -> values assigned to it at module level (any module: a name imported from another
    # module is found where it is defined).
    module_names: dict[str, list[ast.expr]]
    # attribute name -> every value given to it: the default of a class that declares it, a
    # keyword or positional argument of a call naming that class, an `x.name = ...`.
    attributes: dict[str, list[ast.expr]]
    # function name -> its definition(s), and the calls that name it.
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]
    calls: dict[str, list[ast.Call]]
    scopes: dict[int, dict[str, list[ast.expr]]] = field(default_factory=dict)  # see _scope
    # Where each call and each assignment to a row's `reason` is: (module, node).
    reasons: list[tuple[str, ast.Assign | ast.AnnAssign]] = field(default_factory=list)
    module_of: dict[int, str] = field(default_factory=dict)


def _bindings(statement: ast.AST) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) of an assignment statement; none for any other."""
    if isinstance(statement, ast.Assign):
        return [(target, statement.value) for target in statement.targets]
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return [(statement.target, statement.value)]
    return []


def _read_source(trees: dict[str, ast.Module]) -> _Source:
    source = _Source(trees, {}, {}, {}, {}, {})
    classes: list[ast.ClassDef] = []
    for where, tree in trees.items():
        for statement in tree.body:
            for target, value in _bindings(statement):
                if isinstance(target, ast.Name):
                    source.module_names.setdefault(target.id, []).append(value)
        stack: list[ast.AST] = [tree]
        while stack:  # ast.walk, recording each node's parent on the way
            node = stack.pop()
            for child in ast.iter_child_nodes(node):
                source.parents[id(child)] = node
                stack.append(child)
            if isinstance(node, ast.Call):
                source.calls.setdefault(_name(node.func), []).append(node)
                source.module_of[id(node)] = where
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                source.functions.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.ClassDef):
                classes.append(node)
            for target, value in _bindings(node):
                if isinstance(target, ast.Attribute):
                    source.attributes.setdefault(target.attr, []).append(value)
                if _name(target) == "reason" and isinstance(node, ast.Assign | ast.AnnAssign):
                    source.reasons.append((where, node))
    for cls in classes:
        # A class's field is given by its default, and by the calls that build the class
        # (by keyword, or by position in the order the fields are declared).
        fields = [
            s.target.id
            for s in cls.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
        ]
        given_in_body: list[tuple[ast.expr, ast.expr | None]] = [
            (s.target, s.value) for s in cls.body if isinstance(s, ast.AnnAssign)
        ]
        given_in_body += [b for s in cls.body for b in _bindings(s)]
        for target, default in given_in_body:
            if not isinstance(target, ast.Name):
                continue
            given = source.attributes.setdefault(target.id, [])
            given += [default] if default is not None else []
            for call in source.calls.get(cls.name, []):
                given += [k.value for k in call.keywords if k.arg == target.id]
                if target.id in fields and fields.index(target.id) < len(call.args):
                    given.append(call.args[fields.index(target.id)])
    return source


def _enclosing_function(
    node: ast.AST, source: _Source
) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None:
    parent = source.parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return parent
        parent = source.parents.get(id(parent))
    return None


def _arguments_of(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, source: _Source
) -> list[ast.expr]:
    """What the callers of `function` pass as its parameter `name` (and its default)."""
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    found: list[ast.expr] = []
    defaults = function.args.defaults
    for arg, default in zip(positional[len(positional) - len(defaults) :], defaults, strict=True):
        if arg == name:
            found.append(default)
    for keyword_only, kw_default in zip(
        function.args.kwonlyargs, function.args.kw_defaults, strict=True
    ):
        if keyword_only.arg == name and kw_default is not None:
            found.append(kw_default)
    for call in source.calls.get(function.name, []):
        if name in positional and positional.index(name) < len(call.args):
            found.append(call.args[positional.index(name)])
        found += [k.value for k in call.keywords if k.arg == name]
    return found


# Methods whose result is made of their receiver's and arguments' text (", ".join(names)).
# (and a mapping's items and values are made of the mapping's).
TEXT_METHODS = frozenset(
    {"join", "format", "replace", "strip", "lower", "upper", "capitalize", "items", "values"}
)
# How far a value is followed: each step to another scope (a module's name, a parameter's
# callers, an attribute's givers) is one. Three reach every form English took before (an
# attribute to a class's callers to a module constant) without flooding the check with every
# key and code of the package that happens to share a generic name.
HOPS = 3
Found = tuple[ast.Constant | ast.JoinedStr, bool]  # a literal, and whether it is read strictly


def _values(
    node: ast.expr, source: _Source, seen: set[int], hops: int = HOPS, strict: bool = True
) -> list[Found]:
    """The literals `node` can be made of, following names, parameters and attributes.
    `strict`: the literal is the call's own or its function's (any word counts); reached from
    another scope, only words in a row do (a lone 'utf-8' or 'catalog' there is a code)."""
    if id(node) in seen:
        return []
    seen.add(id(node))

    def follow(parts: list[ast.expr], hop: bool = False) -> list[Found]:
        if hop and hops == 0:
            return []
        return [
            hit
            for part in parts
            for hit in _values(part, source, seen, hops - 1 if hop else hops, strict and not hop)
        ]

    if isinstance(node, ast.Constant):
        return [(node, strict)] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        # Its text parts are the f-string's own words; its {fields} are followed too.
        fields = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        return [(node, strict), *follow(fields)]
    if isinstance(node, ast.Call):
        # What a call returns is made of its arguments only for the calls that build text;
        # render(...) returns a template's own sentence (its fields are checked at its call).
        called, args = _name(node.func), list(node.args)
        if called in ("get", "getattr"):
            return follow(args[1 if called == "get" else 2 :])  # a key is not output; a default is
        if isinstance(node.func, ast.Attribute) and called in TEXT_METHODS:
            return follow([node.func.value, *args])
        if isinstance(node.func, ast.Name) and called in ("str", "format"):
            return follow(args)
        # A function of the importer's: what it returns (outcomes.describe, a change line).
        returned = [
            statement.value
            for function in source.functions.get(called, [])
            for statement in ast.walk(function)
            if isinstance(statement, ast.Return) and statement.value is not None
        ]
        return follow(returned, hop=True)
    if isinstance(node, ast.Subscript):
        return follow([node.value])  # the key is not output
    if isinstance(node, ast.Name):
        local, other = _made_of(node, source)
        return follow(local) + follow(other, hop=True)
    if isinstance(node, ast.Attribute):
        return follow(source.attributes.get(node.attr, []), hop=True)
    if isinstance(node, ast.Lambda):
        return []  # a key= or a callback: not a value
    return follow([child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)])


def _scope(function: ast.AST, source: _Source) -> dict[str, list[ast.expr]]:
    """What each name of `function` is bound to in it: assignments, walrus, loop targets (an
    item is made of what it iterates). Read once per function."""
    known = source.scopes.get(id(function))
    if known is not None:
        return known
    bound: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        pairs: list[tuple[ast.AST, ast.expr]] = list(_bindings(node))
        if isinstance(node, ast.NamedExpr):
            pairs.append((node.target, node.value))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            pairs += [(t, node.iter) for t in ast.walk(node.target)]
        for target, value in pairs:
            if isinstance(target, ast.Name):
                bound.setdefault(target.id, []).append(value)
    source.scopes[id(function)] = bound
    return bound


def _made_of(name: ast.Name, source: _Source) -> tuple[list[ast.expr], list[ast.expr]]:
    """Where the value of `name` comes from: its assignments in the enclosing function, and
    from other scopes: its callers' arguments when it is a parameter, or the module's (or
    another module's) assignment of that name. A name a function does not bind is its
    enclosing function's (a lambda's, a nested function's)."""
    function = _enclosing_function(name, source)
    while function is not None:
        local = _scope(function, source).get(name.id, [])
        parameters = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        if name.id in parameters:
            if isinstance(function, ast.Lambda):
                return local, []
            return local, _arguments_of(function, name.id, source)
        if local:
            return local, []
        function = _enclosing_function(function, source)
    return [], source.module_names.get(name.id, [])


def _forwarders(source: _Source) -> set[str]:
    """Functions that hand their **fields on to render/row_error (invoices' `_failed`)."""
    found = set()
    for definitions in source.functions.values():
        for function in definitions:
            rest = function.args.kwarg
            if rest is None:
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and _name(node.func) in ("render", "row_error")
                    and any(k.arg is None and _name(k.value) == rest.arg for k in node.keywords)
                ):
                    found.add(function.name)
    return found - {"render", "row_error"}


def _english(found: Found, allowed: frozenset[str]) -> bool:
    node, strict = found
    if isinstance(node, ast.JoinedStr):
        text = "{}".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    else:
        text = str(node.value)
    for word in VTEX_WORDS:
        text = text.replace(word, " ")
    if not strict:
        # Reached from elsewhere, a lone word may be a code ('utf-8', 'catalog', 'none'): words
        # in a row are English, and so is a word in a shape no code has ('(empty)').
        has_words = bool(re.search(r"[^\W\d_]", text))
        return bool(WORDS.search(text)) or (has_words and not CODE_SHAPED.fullmatch(text))
    # Words (a column's name counts as one: 'base_price'); VTEX's codes and the file's column
    # names are data, any other word is English.
    return any(
        word not in allowed and not VTEX_CODE.fullmatch(word)
        for word in re.findall(r"[^\W\d_]+(?:_[^\W\d_]+)*", text)
    )


def _cells(source: _Source, callers: set[str]) -> list[tuple[str, int, str, ast.expr]]:
    """(module, line, field, value) for every value that becomes a sentence a report shows: a
    field of a template call, and a row's reason (a `reason=` keyword, an assignment to
    `reason` or to `outcome.reason`), which a report shows as it is."""
    found = []
    for name, calls in source.calls.items():
        for call in calls:
            where = source.module_of[id(call)]
            for keyword in call.keywords:
                if keyword.arg not in NOT_DATA and (name in callers or keyword.arg == "reason"):
                    found.append((where, call.lineno, keyword.arg or "**", keyword.value))
    for where, assignment in source.reasons:
        if assignment.value is not None:
            found.append((where, assignment.lineno, "reason", assignment.value))
    return found


def english_fields(
    trees: dict[str, ast.Module], allowed: frozenset[str] | None = None
) -> list[str]:
    """`where: field=<literal>` for every English literal that can reach a template's field
    or a row's reason. `allowed`: words that are data (by default the flows' column names)."""
    source = _read_source(trees)
    allowed = _column_names(source) if allowed is None else allowed
    callers = {"render", "row_error"} | _forwarders(source)
    found = []
    for where, line, field_name, value in _cells(source, callers):
        for hit in _values(value, source, set()):
            if _english(hit, allowed):
                found.append(f"{where}:{line}: {field_name}={ast.unparse(hit[0])}")
    return sorted(set(found))


def test_the_check_finds_english_passed_as_data() -> None:
    # Each form English reached a template in before (lines 2-17 of the module below: a hit is
    # said at the call that renders it), and the forms that are fine (18-24): a template's own
    # sentence, a column's name, VTEX's words and codes, keys, numbers and separators.
    module = """
POSITIVE = "greater than 0"
class Column:
    rule: str = ""
def validate(column, names, listed, error, again):
    row_error("out-of-range", rule=column.rule)
    row_error("out-of-range", rule="a moment already past")
    row_error("type-error", expected=f"a number of at most {15} digits")
    render("lookalike-column", column=" or ".join(names))
    render("unknown-warehouse", known=", ".join(listed) or "none")
    render("vtex-batch-error", next="Correct the row." if again else "It is sent again.")
    _unsettled(run, f"is still {final.status} at VTEX")
    what = "has not finished yet"
    render("vtex-batch-pending", what=what)
def _unsettled(run, what):
    render("vtex-batch-pending", api=run.title, what=what)
Column("base_price", rule=POSITIVE)
class BulkPricingClient:
    title = "Bulk Pricing"
def fine(raw, i, status):
    row_error("text-too-long", column="sku_name", value=str(raw["sku_name"].iloc[i]), field="Name")
    render("vtex-batch-pending", what=render("batch-not-finished"), status=status)
    render("x", sent=raw.get("sent key") or render("empty-value"), code="COMPLETED_WITH_ERRORS")
    render("x", detail=f"HTTP {status}", limit=f"{0.1:.0%}", path=" > ".join(raw))
"""
    found = english_fields({"m.py": ast.parse(module)}, frozenset({"sku_name"}))
    lines = sorted({int(hit.split(":")[1]) for hit in found})
    assert lines == [6, 7, 8, 9, 10, 11, 14, 16], found
    texts = " ".join(found)
    for english in (
        "greater than 0",  # through column.rule -> Column(rule=POSITIVE) -> POSITIVE
        "a moment already past",
        "digits",
        "' or '",
        "'none'",
        "Correct the row.",
        "is still",  # through _unsettled's parameter to its caller's argument
        "has not finished yet",  # through a local name
    ):
        assert english in texts, (english, found)


@pytest.mark.slow  # reads the whole package: 0.4 s of CPU
def test_no_english_reaches_a_template_as_data() -> None:
    trees = {
        str(path.relative_to(ROOT)): parsed(path)
        for path in SOURCES
        # The sandbox is VTEX's side: what it answers is VTEX's words (data in a report).
        if path != PACKAGE / "messages.py" and PACKAGE / "sandbox" not in path.parents
    }
    found = [hit for hit in english_fields(trees) if not hit.startswith(NOT_ROWS)]
    assert not found, (
        "English passed to a template as data: make it a template of its own (or a value "
        "the template renders) in importer/messages.py:\n" + "\n".join(found)
    )


# What the reports said before English moved out of the data, byte for byte: the templates and
# the values that now make these sentences must say exactly that.
AS_BEFORE: list[tuple[str, dict[str, object], str]] = [
    (
        "below-minimum",
        {"column": "quantity", "value": "-1", "minimum": Decimal(0)},
        '"quantity" is -1; it must be 0 or more. Correct it and drop the file again.',
    ),
    (
        "below-minimum",
        {"column": "min_quantity", "value": "0", "minimum": Decimal(1)},
        '"min_quantity" is 0; it must be 1 or more. Correct it and drop the file again.',
    ),
    (
        "not-above-minimum",
        {"column": "base_price", "value": "0", "minimum": Decimal(0)},
        '"base_price" is 0; it must be greater than 0. Correct it and drop the file again.',
    ),
    (
        "count-time-in-future",
        {"column": "balance_at", "value": "2030-01-01T00:00:00Z"},
        '"balance_at" is 2030-01-01T00:00:00Z; it must be a moment already past (when the ERP '
        "counted this stock). Correct it and drop the file again.",
    ),
    (
        "not-a-number",
        {"column": "base_price", "value": "12.3.4x"},
        '"base_price" has "12.3.4x", which is not a number. Correct it and drop the file again.',
    ),
    (
        "not-a-whole-number",
        {"column": "quantity", "value": "1.5"},
        '"quantity" has "1.5", which is not a whole number. Correct it and drop the file again.',
    ),
    (
        "too-many-digits",
        {"column": "base_price", "value": "1.0000000000000001", "digits": 15},
        '"base_price" has "1.0000000000000001", which is not a number of at most 15 digits '
        "(round it in the export). Correct it and drop the file again.",
    ),
    (
        "not-a-sku-id",
        {"column": "sku_id", "value": "x"},
        '"sku_id" has "x", which is not a VTEX SKU id (a whole number). Correct it and drop the '
        "file again.",
    ),
    (
        "not-true-or-false",
        {"column": "unlimited", "value": "talvez"},
        '"unlimited" has "talvez", which is not true or false (sim/não, 1/0 also work). Correct '
        "it and drop the file again.",
    ),
    (
        "not-a-date",
        {"column": "valid_to", "value": "ontem"},
        '"valid_to" has "ontem", which is not a date such as 2026-12-31 or 31/12/2026. Correct it '
        "and drop the file again.",
    ),
    (
        "not-a-lead-time",
        {"column": "lead_time", "value": "x"},
        '"lead_time" has "x", which is not days (e.g. 3) or VTEX\'s "dd.hh:mm:ss" (e.g. '
        '"3.12:00:00"). Correct it and drop the file again.',
    ),
    (
        "text-too-long-product-name",
        {"column": "product_name", "length": 151, "limit": 150},
        '"product_name" has 151 characters, and VTEX takes at most 150 in the product\'s Name and '
        "Title: this row was not sent (nothing is cut short). Shorten it and drop the file again.",
    ),
    (
        "text-too-long-product",
        {"column": "product_ref", "length": 101, "limit": 100, "field": "RefId"},
        '"product_ref" has 101 characters, and VTEX takes at most 100 in the product\'s RefId: '
        "this row was not sent (nothing is cut short). Shorten it and drop the file again.",
    ),
    (
        "text-too-long-sku",
        {"column": "sku_name", "length": 201, "limit": 200, "field": "Name"},
        '"sku_name" has 201 characters, and VTEX takes at most 200 in the SKU\'s Name: this row '
        "was not sent (nothing is cut short). Shorten it and drop the file again.",
    ),
    (
        "vtex-batch-error-retried",
        {"api": "Bulk Pricing", "batch": "b1", "code": "E1", "message": "m"},
        "VTEX's Bulk Pricing job b1 refused this row (E1: m). It is sent again on the next pass, "
        "on its own.",
    ),
    (
        "vtex-batch-error-final",
        {
            "api": "batch inventory",
            "batch": "b1",
            "code": render("batch-no-code"),
            "message": render("batch-no-message"),
        },
        "VTEX's batch inventory job b1 refused this row (no code: no message). Correct the row "
        "and drop the file again.",
    ),
    (
        "vtex-batch-pending",
        {
            "api": "Bulk Pricing",
            "batch": "b1",
            "what": render("batch-still-running", status="PROCESSING"),
        },
        "VTEX's Bulk Pricing job b1 is still PROCESSING at VTEX. The row is pending and is sent "
        "again automatically; nothing to do.",
    ),
    (
        "vtex-batch-pending",
        {"api": "Bulk Pricing", "batch": "b1", "what": render("batch-ended", status="FAILED")},
        "VTEX's Bulk Pricing job b1 ended FAILED: VTEX applied none of its rows. The row is "
        "pending and is sent again automatically; nothing to do.",
    ),
    (
        "vtex-batch-holding",
        {"batch": "b1"},
        "VTEX's batch job b1 with an earlier value of this row has not finished; this value "
        "waits for it. The row is pending and is sent again automatically; nothing to do.",
    ),
    (
        "unknown-warehouse",
        {"value": "WH-X", "known": render("no-warehouse-known")},
        'warehouse "WH-X" does not exist in VTEX (known: none). Use one of those ids, or create '
        "the warehouse in VTEX's logistics settings.",
    ),
    (
        "lookalike-column",
        {
            "header": "Preço Custo Lista",
            "flow": "prices",
            "column": render("either", first="list_price", second="cost_price"),
        },
        'column "Preço Custo Lista" was not read: it looks like list_price or cost_price; add it '
        "to [flows.prices.columns] in importer.toml if it is.",
    ),
]


@pytest.mark.parametrize(("name", "fields", "text"), AS_BEFORE, ids=[a[0] for a in AS_BEFORE])
def test_the_sentences_read_as_before(name: str, fields: dict[str, object], text: str) -> None:
    assert render(name, **fields) == text


def test_a_change_line_reads_as_before() -> None:
    # outcomes.describe: "(empty)" on either side, columns joined by "; ".
    before = {"base_price": "10.01", "list_price": "", "cost_price": "4"}
    after = {"base_price": "15.01", "list_price": "20", "cost_price": ""}
    columns = ["base_price", "list_price", "cost_price"]
    assert describe(after, before, columns) == (
        "base_price: 10.01 -> 15.01; list_price: (empty) -> 20; cost_price: 4 -> (empty)"
    )
