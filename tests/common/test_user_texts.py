"""What people read never cites a rule code: rules stay in `error.rule`, code comments, docstrings
and the audit log (domain/RULES.md: "never in text a user reads").

Every Russian string literal in the services (error messages, notices, texts the gateway writes)
and every string in the web client's code is checked, so a new «(R-MOD-3)» fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE_CODE = re.compile(r"R-[A-Z]+-\d")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:'\"\\])//[^\n]*", re.S)
JS_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\"(?:[^\"\\\n]|\\.)*\"")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (for people reading code, not using Parta)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def russian_literals_citing_rules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
            if CYRILLIC.search(text) and RULE_CODE.search(text):
                bad.append(f"{path}:{node.lineno}: {text[:80]}")
    return bad


def js_strings_citing_rules(path: Path) -> list[str]:
    code = JS_COMMENT.sub("", path.read_text(encoding="utf-8"))
    return [
        f"{path}: {match.group(0)[:80]}"
        for match in JS_STRING.finditer(code)
        if RULE_CODE.search(match.group(0))
    ]


def test_no_service_message_cites_a_rule_code() -> None:
    bad = [
        line
        for path in sorted((ROOT / "services").rglob("*.py"))
        for line in russian_literals_citing_rules(path)
    ]
    assert bad == [], "\n".join(bad)


def test_no_web_client_text_cites_a_rule_code() -> None:
    web = ROOT / "services" / "gateway" / "webclient" / "static"
    assert (web / "app.js").is_file(), web  # the scan reads the real client, not an empty folder
    bad = [line for path in sorted(web.rglob("*.js")) for line in js_strings_citing_rules(path)]
    assert bad == [], "\n".join(bad)


def test_the_checks_find_a_cited_rule(tmp_path: Path) -> None:
    """The scanners are not blind: a planted code is found, a docstring and a comment are not."""
    py = tmp_path / "planted.py"
    js = tmp_path / "planted.js"
    py.write_text(
        '"""R-MOD-3 in a docstring."""\nX = "Блокировка (R-MOD-3)"\nY = "no rule"\n', encoding="utf-8"
    )
    js.write_text(
        "// R-MOD-3 in a comment\nconst x = 'Правило R-MOD-3';\nconst y = 'нет';\n", encoding="utf-8"
    )
    assert len(russian_literals_citing_rules(py)) == 1
    assert len(js_strings_citing_rules(js)) == 1
