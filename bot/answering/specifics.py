"""What a question names in particular: a year, a role, a Korean place, an office by its city.

The matcher's unstated check (bot/answering/matcher.py) looks for these in a message and asks
whether the chosen topic mentions them; a topic that never names Busan does not answer
"부산이랑 자매결연한 일본 도시는?".
"""

from __future__ import annotations

import re

YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
KATAKANA_WORD = re.compile(r"[ァ-ヶー]{4,}")
LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")
# a person by their role, whose own phone number an organisation's page does not give
ROLE = re.compile(
    r"会長|社長|所長|市長|知事|理事長|事務局長|회장|사장|소장|시장|도지사|사무총장|\b(?:president|chairman|chairperson|mayor|governor)\b",
    re.IGNORECASE,
)
# a Korean city or province: which of them an entry names is a fact ("부산이랑 자매결연한 일본 도시는?"
# asks about Busan; the sister-city page names none). Not 서울 (where the office is, in most
# answers), nor words that are also common nouns: 경기 (a match), 세종 (the king), 전주 (last week)
_KOREAN_PLACES = (
    "부산 대구 인천 광주 대전 울산 수원 경기도 강원 충청 충북 충남 전라 전북 전남 경상 경북 경남 제주 포항 경주 "
    "창원 청주 천안 춘천 강릉 속초 안동 여수 목포 釜山 大邱 仁川 光州 蔚山 済州 濟州 慶州 京畿 江原 忠清 全羅 慶尚"
).split()
_KOREAN_PLACES_LATIN = (
    "busan pusan daegu incheon gwangju daejeon ulsan suwon gyeonggi gangwon chungcheong jeolla gyeongsang jeju "
    "pohang gyeongju changwon cheongju"
).split()
# a lookahead on the names' first letters first: most positions of a message start no name, and
# the engine then skips them without trying sixty alternatives
_PLACE_HEADS = "".join(
    sorted(
        {name[0] for name in _KOREAN_PLACES} | {c for name in _KOREAN_PLACES_LATIN for c in (name[0], name[0].upper())}
    )
)
KOREAN_PLACE = re.compile(
    f"(?=[{_PLACE_HEADS}])(?:{'|'.join(_KOREAN_PLACES)}|\\b(?:{'|'.join(_KOREAN_PLACES_LATIN)})\\b)", re.IGNORECASE
)
# capitalised words that name no particular thing: months and days ("Dec 2021"), the meeting
# software a session ran on ("over Zoom" says online)
NOT_A_NAME = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec january february march april may june july august "
    "september october november december monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thur thurs fri sat sun zoom teams webex skype".split()
)
# the city of an office named in a question: シンガポール事務所, 베이징 사무소, the Sydney office
OFFICE_OF = re.compile(r"([ァ-ヶー一-龯]{2,})事務所|([가-힣]{2,}) ?사무소|\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) office\b")

# how an answer says that its source does not give something (knowledge/: "JETAA 대한민국 지부의
# 연락처는 이 자료에 나와 있지 않습니다", "This brochure does not give contact details for …")
NOT_GIVEN = re.compile(
    r"나와 있지 않|記載(?:が|は)ありません|記載されていません|載っていません|書かれていません"
    r"|\bdoes not (?:give|state|list|say)\b"
)
