"""A story's subject area (domain) and kind (content type) from keyword rules, without a model.

The offline writer uses them so that its drafts can be filtered in the queue like a model's. Each
rule is a list of words and phrases, English and Japanese; a word found in the headline counts
``TITLE_WEIGHT`` times, in the text once. The domain with the highest score wins when it reaches
``MIN_SCORE``, else "other"; the content type is the first of ``TYPE_RULES`` that matches the headline
or lead, else "news". Measured on a labelled sample (bench/bench_topics.py, docs/benchmarks.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

TITLE_WEIGHT = 3
LEAD_CHARACTERS = 600
MIN_SCORE = 2

DOMAIN_WORDS: dict[str, list[str]] = {
    "anime": ["anime", "animated", "animation", "アニメ", "声優", "voice actor", "voice actress", "アニメフェア"],
    "manga": ["manga", "漫画", "マンガ", "漫画家", "comic", "コミック", "連載"],
    "games": [
        "video game", "game console", "console", "playstation", "nintendo", "xbox", "wii", "game show", "ゲーム機",
        "ゲームソフト", "テレビゲーム", "ゲームショウ", "任天堂", "プレイステーション", "PS4", "PS3", "PS 3",
    ],
    "film": [
        "film", "movie", "cinema", "academy award", "oscar", "box office", "trailer", "director", "映画", "監督",
        "アカデミー賞", "映画祭", "興行", "主演", "女優賞", "男優賞",
    ],
    "music": [
        "music", "singer", "single", "album", "concert", "band", "chart", "oricon", "song", "音楽", "歌手", "シングル",
        "アルバム", "オリコン", "コンサート", "作曲", "紅白", "楽団", "童謡",
    ],
    "tech": [
        "internet", "software", "app store", "smartphone", "google", "apple", "microsoft", "youtube", "wikipedia",
        "website", "online", "computer", "phishing", "galaxy", "iphone", "ipod", "インターネット", "ソフトウェア",
        "ウェブ", "サイト", "パソコン", "携帯電話", "スマートフォン", "グーグル", "アップル", "マイクロソフト",
        "ウィキペディア", "ウィクショナリー", "フィッシング", "ネット",
    ],
    "business": [
        "company", "shares", "stock", "market", "acquire", "acquisition", "merger", "billion", "profit", "sales",
        "bank", "cryptocurrency", "price", "株式", "買収", "合併", "経営統合", "決算", "売上", "銀行", "企業", "社長",
        "事業", "販売", "発売", "価格", "値下げ", "自主回収", "商標", "削減", "円安", "ガソリン", "経済", "財政",
        "生命保険", "ビール", "牛丼", "不動産",
    ],
    "science": [
        "nasa", "space", "rocket", "satellite", "planet", "asteroid", "moon", "galaxy", "astronaut", "scientist",
        "research", "eclipse", "iceberg", "microbe", "宇宙", "ロケット", "衛星", "惑星", "小惑星", "探査", "飛行士",
        "研究", "日食", "月食", "天文", "鉱床", "発見", "JAXA", "宇宙航空研究開発機構",
    ],
    "culture": [
        "television", "tv", "broadcast", "museum", "festival", "exhibition", "esperanto", "テレビ", "放送", "番組",
        "NHK", "博物館", "美術", "文化財", "拝観", "祭", "タレント", "アイドル", "作家", "随筆",
    ],
    "sports": [
        "olympic", "world cup", "football", "soccer", "baseball", "coach", "season", "champion", "championship",
        "world series", "grand prix", "match", "tournament", "nfl", "packers", "bears", "league", "medal", "race",
        "五輪", "オリンピック", "サッカー", "野球", "プロ野球", "選手", "監督", "優勝", "決勝", "メダル", "大会",
        "W杯", "リーグ", "球団", "競馬", "相撲", "力士", "卓球", "ドラフト", "投手", "記録", "世界新", "有馬記念",
        "国体", "プロレス", "格闘技", "Jリーグ", "大リーグ", "移籍",
    ],
    "politics": [
        "president", "minister", "election", "parliament", "senate", "congress", "government", "sanctions",
        "missile", "diplomat", "united nations", "sentenced", "democrat", "republican", "首相", "大統領", "選挙",
        "衆議院", "参議院", "参院選", "国会", "議員", "政府", "内閣", "大臣", "国連", "外交", "法案", "法改正",
        "和平", "拉致", "中間選挙", "民主党", "政党", "事務総長", "軍事", "国軍",
    ],
}
# Words that outweigh everything else: a typhoon or an arrest is "other" however famous the people in it.
OTHER_WORDS = [
    "earthquake", "typhoon", "shooting", "crash", "killed", "arrested", "police", "fire", "explosion", "derail",
    "attack", "busted", "sting", "trafficking", "death toll", "scammer",
    "地震", "台風", "震度", "噴火", "豪雨", "猛暑", "熱中症", "事故", "逮捕", "容疑", "殺害", "殺人", "死亡", "火災",
    "脱線", "盗難", "窃盗", "通り魔", "暴動", "判決", "死刑", "違憲", "被告", "墜落", "遭難", "行方不明",
]
OTHER_WEIGHT = 2

TYPE_RULES: list[tuple[str, list[str]]] = [
    ("interview", ["interview", "インタビュー"]),
    ("review", ["review:", "レビュー", "批評"]),
    ("opinion", ["opinion:", "社説", "論説"]),
    ("release", [
        "released", "release", "goes on sale", "on sale", "trailer", "update", "free of charge", "発売",
        "リリース", "配信開始", "無料提供", "公開",
    ]),
    ("event", [
        "wins", "won", "win ", "beat", "final", "medal", "world record", "grand prix", "world series", "opens",
        "festival", "ceremony", "優勝", "決勝", "金メダル", "銀メダル", "銅メダル", "世界新", "逆転", "圧勝", "開幕",
        "開催", "達成", "敗退", "勝利", "拝観", "受賞",
    ]),
    ("announcement", [
        "announces", "announced", "announcing", "retire", "retirement", "to cut", "will cut", "plans to", "will send",
        "to send", "recall", "命名", "発表", "自主回収", "削減",
        "売却", "有料化", "取扱い開始", "取り扱い開始", "方針", "へ$",
    ]),
]


@lru_cache(maxsize=None)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    parts = []
    for word in words:
        if word.endswith("$"):
            parts.append(re.escape(word[:-1]) + "$")
        elif re.fullmatch(r"[A-Za-z][A-Za-z .'-]*", word):
            # English words also match their plural ("missile" finds "missiles").
            parts.append(r"(?<![A-Za-z])" + re.escape(word) + r"(?:s|es)?(?![A-Za-z])")
        else:
            parts.append(re.escape(word))
    return re.compile("|".join(parts), re.IGNORECASE)


def _hits(words: list[str], text: str) -> int:
    return len(_pattern(tuple(words)).findall(text)) if text else 0


def domain_scores(*, title: str, text: str) -> dict[str, int]:
    """Each domain's score for a story: keyword hits in the title (weighted) and the lead."""
    lead = (text or "")[:LEAD_CHARACTERS]
    return {
        domain: TITLE_WEIGHT * _hits(words, title) + _hits(words, lead)
        for domain, words in DOMAIN_WORDS.items()
    }


def classify_domain(*, title: str, text: str) -> str:
    """The story's domain (one of rewrites.models.DOMAINS): the best-scoring rule, or "other"."""
    scores = domain_scores(title=title, text=text)
    best = max(scores, key=lambda domain: (scores[domain], -list(DOMAIN_WORDS).index(domain)))
    lead = (text or "")[:LEAD_CHARACTERS]
    other = OTHER_WEIGHT * (TITLE_WEIGHT * _hits(OTHER_WORDS, title) + _hits(OTHER_WORDS, lead))
    if scores[best] < MIN_SCORE or other > scores[best]:
        return "other"
    return best


def classify_content_type(*, title: str, text: str) -> str:
    """The story's content type (one of rewrites.models.CONTENT_TYPES): the first rule the headline matches, else
    the first the lead's opening sentence matches, else "news"."""
    if _hits(OTHER_WORDS, title):
        return "news"  # a crime, accident or disaster is reported as news, whatever else the headline says
    opening = re.split(r"(?<=[.!?。])\s*", (text or "").strip(), maxsplit=1)[0][:200]
    for place in (title, opening):
        for content_type, words in TYPE_RULES:
            if _hits(words, place):
                return content_type
    return "news"
