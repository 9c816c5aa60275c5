"""The entrepreneurial-potential test's rules, table by table, without Flask or a database."""
import pytest

from bastau import rules


@pytest.mark.parametrize("max_score, pass_mark", [
    (0, 0),
    (1, 1),     # 0.6 rounds up
    (5, 3),
    (10, 6),
    (48, 29),   # 28.8
    (50, 30),
    (56, 34),   # 33.6: the starter bank's 28 questions of 2 points
    (100, 60),
])
def test_default_pass_mark_is_60_percent_rounded_up(max_score, pass_mark):
    assert rules.default_pass_mark(max_score) == pass_mark


@pytest.mark.parametrize("score, pass_mark, passed", [
    (34, 34, True),   # at the mark passes
    (33, 34, False),
    (56, 34, True),
    (0, 0, True),     # a pass mark of 0: everyone passes
    (0, 1, False),
])
def test_the_test_is_passed_at_or_above_the_pass_mark(score, pass_mark, passed):
    assert rules.test_passed(score, pass_mark) is passed


@pytest.mark.parametrize("option_points, maximum", [
    ([], 0),
    ([[2, 1, 0, 0]], 2),
    ([[2, 1, 0, 0], [0, 2, 0], [0, 0, 1, 0]], 5),
    ([[0, 3], [5, 1, 1, 1]], 8),
    ([[]], 0),                     # a question without options gives nothing
])
def test_max_score_is_the_best_answer_of_every_question(option_points, maximum):
    assert rules.max_test_score(option_points) == maximum


@pytest.mark.parametrize("chosen, score", [([], 0), ([2, 2, 2], 6), ([0, 1, 2, 0], 3)])
def test_score_adds_the_points_of_the_chosen_answers(chosen, score):
    assert rules.test_score(chosen) == score


@pytest.mark.parametrize("pass_mark, max_score, valid", [
    (0, 56, True), (34, 56, True), (56, 56, True), (57, 56, False), (-1, 56, False), (0, 0, True), (1, 0, False),
])
def test_a_pass_mark_is_between_0_and_the_maximum(pass_mark, max_score, valid):
    assert rules.pass_mark_is_valid(pass_mark, max_score) is valid


@pytest.mark.parametrize("points, complete", [
    ([2, 0], True),
    ([2, 1, 0, 0], True),
    ([0, 0, 1], True),
    ([2], False),             # one answer is no choice
    ([0, 0, 0], False),       # nothing earns points
    ([2, 0, 0, 0, 0], False),  # more than four answers
    ([], False),
])
def test_a_question_needs_two_to_four_answers_and_one_with_points(points, complete):
    assert rules.question_is_complete(points) is complete


@pytest.mark.parametrize("typed, code, well_formed", [
    ("123456", "123456", True),
    ("123 456", "123456", True),
    (" 12-34-56 ", "123456", True),
    ("12345", "12345", False),
    ("1234567", "1234567", False),
    ("12345a", "12345a", False),
    ("١٢٣٤٥٦", "١٢٣٤٥٦", False),  # Arabic-Indic digits are digits to Python, not to us
    ("", "", False),
])
def test_test_codes_are_six_digits_typed_loosely(typed, code, well_formed):
    assert rules.normalise_test_code(typed) == code
    assert rules.test_code_is_well_formed(code) is well_formed
