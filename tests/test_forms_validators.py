"""Validators by field type, on the shipped forms' fields, and the wish-to-apply detector."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.forms.registry import load_forms
from bot.answering.intent import wants_to_apply
from bot.messages import Photo
from bot.forms.validators import Invalid, Valid, parse_dates, validate

REPO = Path(__file__).resolve().parent.parent
FORMS = load_forms(REPO / "knowledge" / "forms")
LECTURE = FORMS["lecture"]
TODAY = date(2026, 6, 1)


def check(field: str, text: str, photo: Photo | None = None, form=LECTURE):
    return validate(form.field(field), text, photo, TODAY)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-03", ["2026-12-03"]),
    ("2026/12/3", ["2026-12-03"]),
    ("2026.12.03", ["2026-12-03"]),
    ("12月3日", ["2026-12-03"]),
    ("2026年12月3日（木）", ["2026-12-03"]),
    ("12월 3일", ["2026-12-03"]),
    ("2026년 12월 3일", ["2026-12-03"]),
    ("3 December 2026", ["2026-12-03"]),
    ("Dec 3rd", ["2026-12-03"]),
    ("１２月３日", ["2026-12-03"]),
    ("12/3", ["2026-12-03"]),
    ("2026-12-10, 12月3日、12월 17일", ["2026-12-03", "2026-12-10", "2026-12-17"]),
    ("12월 3일과 12월 10일", ["2026-12-03", "2026-12-10"]),
    ("12月3日か12月10日", ["2026-12-03", "2026-12-10"]),
    ("2026-06-01", ["2026-06-01"]),        # today is not past
    ("3月5日", ["2027-03-05"]),             # no year: the next 5 March
    ("12/3 and 12/3", ["2026-12-03"]),
])
def test_dates_accepted(text: str, expected: list[str]) -> None:
    assert parse_dates(text, TODAY) == Valid(expected)


@pytest.mark.parametrize("text, reason", [
    ("2026-05-31", "past"),
    ("2025年12月3日", "past"),
    ("2026-12-03, 2020-01-01", "past"),
    ("next Tuesday", "not_date"),
    ("来週", "not_date"),
    ("2026-02-30", "not_date"),
    ("13月40日", "not_date"),
    ("12月3日 午後", "not_date"),
    ("2026", "not_date"),
    (", , ", "not_date"),
])
def test_dates_refused(text: str, reason: str) -> None:
    result = parse_dates(text, TODAY)
    assert isinstance(result, Invalid) and result.reason == reason


def test_date_single_field_wants_one_date() -> None:
    from dataclasses import replace
    one = replace(LECTURE.field("preferred_dates"), type="date")
    assert validate(one, "12月3日", None, TODAY) == Valid("2026-12-03")
    assert validate(one, "12月3日, 12月4日", None, TODAY) == Invalid("one_date")


@pytest.mark.parametrize("text, value", [("30", 30), ("３０", 30), ("30名", 30), ("약 30명", 30),
                                         ("about 30 students", 30), ("1,000", 1000), (" 1 ", 1)])
def test_integer_accepted(text: str, value: int) -> None:
    assert check("students", text) == Valid(value)


@pytest.mark.parametrize("text, reason", [("abc", "integer"), ("3.5", "integer"), ("30-40", "integer"),
                                          ("0", "range"), ("1001", "range"), ("-5", "integer"),
                                          ("99999999999999999999", "range")])
def test_integer_refused(text: str, reason: str) -> None:
    result = check("students", text)
    assert isinstance(result, Invalid) and result.reason == reason


@pytest.mark.parametrize("text, value", [("kim@example.ac.kr", "kim@example.ac.kr"),
                                         ("Kim.Minji+lecture@Example.AC.KR", "Kim.Minji+lecture@example.ac.kr"),
                                         ("ｋｉｍ＠ｅｘａｍｐｌｅ．ｃｏｍ", "kim@example.com")])
def test_email_accepted(text: str, value: str) -> None:
    assert check("email", text) == Valid(value)


@pytest.mark.parametrize("text", ["kim", "kim@", "@example.com", "kim@example", "kim@@example.com",
                                  "kim example@example.com", "kim@exa_mple.com", "kim..x@example.com",
                                  "kim@-example.com"])
def test_email_refused(text: str) -> None:
    assert check("email", text) == Invalid("email", {"value": text})


def test_phone() -> None:
    from dataclasses import replace
    phone = replace(LECTURE.field("email"), type="phone")
    assert validate(phone, "+82-(0)2-733-5681", None, TODAY) == Valid("+82-(0)2-733-5681")
    assert validate(phone, "０２－７３３－５６８１", None, TODAY) == Valid("02-733-5681")
    for bad in ["12345", "call me", "+82 2 733 5681 ext 9"]:
        assert isinstance(validate(phone, bad, None, TODAY), Invalid)


@pytest.mark.parametrize("text, value", [("1", "onsite"), ("２", "online"), ("online", "online"),
                                         ("オンライン", "online"), ("온라인", "online"), ("Online", "online"),
                                         ("대면 (강의실 방문)", "onsite"), ("either", "either")])
def test_choice_by_number_value_or_label(text: str, value: str) -> None:
    assert check("format", text) == Valid(value)


@pytest.mark.parametrize("text", ["4", "0", "by pigeon", "on the moon", "not online", "온라인 말고 대면", "オンラインじゃなくて"])
def test_choice_not_offered(text: str) -> None:
    result = check("format", text)
    assert isinstance(result, Invalid) and result.reason == "not_offered"


def test_several_choices() -> None:
    from dataclasses import replace
    several = replace(LECTURE.field("format"), type="choices")
    assert validate(several, "online, 1", None, TODAY) == Valid(["onsite", "online"])
    assert validate(several, "オンライン、どちらでもよい", None, TODAY) == Valid(["online", "either"])
    assert validate(several, "online, somewhere", None, TODAY) == Invalid("not_offered", {"value": "somewhere"})


def test_text_lengths_and_control_characters() -> None:
    manuscript = "あ" * 5000 + "\n\n" + "b" * 5000
    assert check("topics", manuscript) == Valid(manuscript)
    assert check("university", "x" * 300) == Valid("x" * 300)
    assert check("university", "x" * 301) == Invalid("too_long", {"max": 300, "length": 301})
    assert check("university", "A\x00B\x07 Univ") == Valid("AB Univ")
    assert check("university", "   ") == Invalid("empty")


def test_photo_and_text_in_the_wrong_place() -> None:
    dorandoran = FORMS["dorandoran"]
    photo = Photo("file-1", "data/attachments/file-1.jpg", 2048)
    assert check("photos", "", photo, dorandoran) == Valid(
        {"file_id": "file-1", "saved_path": "data/attachments/file-1.jpg", "size": 2048})
    assert check("photos", "a photo", None, dorandoran) == Invalid("need_photo")
    assert check("university", "caption", photo) == Invalid("need_text")
    assert check("students", "", photo) == Invalid("need_text")


@pytest.mark.parametrize("text, wish", [
    ("出前講座を申し込みたい", True),
    ("おまつりに出展したいです", True),
    ("출강 강의 신청하고 싶어요", True),
    ("도란도란 게재를 부탁드립니다", True),
    ("I'd like to request a lecture", True),
    ("We would like to apply for a booth", True),
    ("出前講座の申し込み方法を教えてください", False),
    ("신청하고 싶은데 어떻게 하나요?", False),
    ("How do we request an outreach lecture?", False),
    ("please show me the facebook page", False),
    ("出前講座とは", False),
])
def test_wish_to_apply(text: str, wish: bool) -> None:
    assert wants_to_apply(text) is wish
