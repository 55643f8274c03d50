"""Who a parent is to a child, in words (R-ROLE-6): the genitive by the Petrovich rules, and the
plain fallback when the rules are unsure."""

from __future__ import annotations

from services.identity.kinship import Child, genitive, parent_label, relation_word


def test_child_name_goes_into_the_genitive() -> None:
    assert genitive("Миша", "Смирнов") == "Миши Смирнова"
    assert genitive("Аня", "Смирнова") == "Ани Смирновой"
    assert genitive("Лев", "Толстой") == "Льва Толстого"


def test_genitive_is_refused_when_the_rules_are_unsure() -> None:
    assert genitive("Женя", "Ким") is None  # a boy's or a girl's name, a surname that says nothing
    assert genitive("Mike", "Smith") is None
    assert genitive("", "Смирнов") is None


def test_relation_words_are_what_parents_call_themselves() -> None:
    assert [relation_word(r) for r in ("mother", "father", "guardian", "")] == [
        "мама",
        "папа",
        "законный представитель",
        "родитель",
    ]


def test_a_mother_is_shown_with_her_child() -> None:
    assert parent_label("Ольга Смирнова", [Child("Миша", "Смирнов", "mother")]) == (
        "Ольга Смирнова, мама Миши Смирнова"
    )


def test_two_children_are_joined_with_and() -> None:
    children = [Child("Миша", "Смирнов", "father"), Child("Аня", "Смирнова", "father")]
    assert parent_label("Иван Смирнов", children) == "Иван Смирнов, папа Миши Смирнова и Ани Смирновой"


def test_unsure_declension_falls_back_to_the_plain_name() -> None:
    assert parent_label("Ольга Ким", [Child("Женя", "Ким", "mother")]) == "Ольга Ким (родитель: Женя Ким)"


def test_the_same_child_linked_and_claimed_is_named_once() -> None:
    children = [Child("Миша", "Смирнов", "mother"), Child("Миша", "Смирнов", "")]
    assert parent_label("Ольга Смирнова", children) == "Ольга Смирнова, мама Миши Смирнова"


def test_no_child_or_no_name_leaves_the_name_alone() -> None:
    assert parent_label("Ольга Смирнова", []) == "Ольга Смирнова"
    assert parent_label("", [Child("Миша", "Смирнов", "mother")]) == ""
