"""The initial catalog: RULES.md as data, loaded by 0002_initial_catalog.

Plain literals, grouped and commented by the RULES.md section and the seed article each block comes
from (seeds live in ../shared/seeds/). The leading underscore keeps Django's migration loader from
taking this module for a migration.

This module is part of migration 0002: once that migration has run anywhere, do not edit it to
change the catalog (an existing database would never see the edit). People keep the catalog current
in the admin; a change every install must get is a new data migration.

Conventions
- Dates are `datetime.date`; `valid_to` is the last day a row applies (inclusive), None = still valid.
- `note` is shown to users ("why these points?"), so it is Japanese; 【解釈】 marks a reading we
  chose where the source is silent or ambiguous (RULES.md's **[reading]**).
- Merchants are `(name, name_en, [aliases])`. Aliases are what a family types or finds on a card
  statement (romaji, English, ｶﾀｶﾅ statement text, short names) and are unique across the catalog.
"""

import datetime as dt

# --------------------------------------------------------------------------------------------------
# Sources. Every rule row names the RULES.md section and the seed article it was read from.
# --------------------------------------------------------------------------------------------------
AMEX_ARTICLE = "002_4439d818aa243185.txt"
AMAZON_ARTICLE = "000_1953c7d0e75faa52.txt"
DPOINT_ARTICLE = "001_938006943f142496.txt"
AUPAY_ARTICLE = "003_5c9644a5612b5d66.txt"
RAKUTEN_ARTICLE = "004_939e681f0c8f63c6.txt"

# The Amex lists (half rate / excluded) are "2024年12月25日時点" in 002.
AMEX_LIST_DATE = dt.date(2024, 12, 25)
AMEX_LIST_SOURCE = f"RULES.md §1, {AMEX_ARTICLE} (2024-12-25時点)"

# No article says when an ordinary rate started; 2019-01-01 stood for "before anything the family
# records", so a purchase of any date finds its card's base rate. Used only where no seed gives a date.
# 0006 moves these rows to 2000-01-01: a family's ten years of purchases reach back past 2019.
SINCE_BEFORE_RECORDS = dt.date(2019, 1, 1)


# --------------------------------------------------------------------------------------------------
# Programmes — RULES.md "Canonical slugs", §2 (楽天), §3 (Amazon partner points), §5 (au PAY).
# normal_expiry is "never" wherever RULES.md gives no normal-point expiry (only 楽天 has one).
# --------------------------------------------------------------------------------------------------
PROGRAMS = [
    # RULES.md §2, 004: 通常ポイント expire one year counting the month of grant, and every new grant
    # extends all of them. [reading] end of the 11th month after the latest grant's month = 12 months
    # counting the grant month (last grant 2026-03-10 → 2027-02-28).
    {
        "slug": "rakuten",
        "name": "楽天ポイント",
        "name_en": "Rakuten Points",
        "normal_expiry": "rolling",
        "normal_expiry_months": 12,
        "spending_order": "period_limited,exchanged_in,normal",
        "where_to_spend": "楽天市場など楽天のサービス（1ポイント=1円）。全部・一部・期間限定ポイントだけ、を選んで使える。",
        "restrictions": "後払い手数料・代引手数料には使えない。獲得予定ポイントは利用可能になるまで使えない。",
    },
    # RULES.md §3, 000: usable on Amazon incl. 期間・用途限定; what it cannot pay there.
    {
        "slug": "dpoint",
        "name": "dポイント",
        "name_en": "d POINT",
        "where_to_spend": "Amazon.co.jp（パートナーポイント、1ポイント=1円、dポイント（期間・用途限定）も可）、d払い。",
        "restrictions": (
            "Amazonでは予約商品、デジタルコンテンツ（Kindle、Prime Video）、定期おトク便、Amazonプライム会費の"
            "支払いに使えない。Amazonでは注文時でなく出荷時に引かれるため、出荷前に期限が切れたポイントは使われず、"
            "残りは他の支払い方法に請求される。"
        ),
    },
    # RULES.md §3, 000: partner points never convert to or from Amazon points.
    {
        "slug": "amazon",
        "name": "Amazonポイント",
        "name_en": "Amazon Points",
        "where_to_spend": "Amazon.co.jp（1ポイント=1円）。パートナーポイント、ギフトカード残高、カードと併用できる。",
        "restrictions": "パートナーポイント（dポイント、リクルートポイントなど）との交換はできない。",
    },
    # RULES.md §3, 000: only normal Recruit points are usable on Amazon.
    {
        "slug": "recruit",
        "name": "リクルートポイント",
        "name_en": "Recruit Points",
        "where_to_spend": "Amazon.co.jp（パートナーポイント、1ポイント=1円、通常ポイントのみ）。",
        "restrictions": (
            "Amazonで使えるのは通常のリクルートポイントだけ。期間限定ポイント、サイト限定ポイント（じゃらん限定"
            "など）、リクルートIDに連携したPontaポイント・dポイント、Ponta・dポイントから交換したポイントは使えない。"
        ),
    },
    # RULES.md §3, 000: registered automatically when a JCB card pays on Amazon.
    {
        "slug": "okidoki",
        "name": "Oki Dokiポイント",
        "name_en": "Oki Doki Points (JCB)",
        "where_to_spend": "Amazon.co.jp（パートナーポイント）、Amazon Payが使える他のサイト。",
        "restrictions": "Amazon Pay経由では都度払いのみ。継続支払い（サブスク）・分割払いには使えない。",
    },
    # RULES.md §1 (002: MR → ANA miles 1:1, 40,000 miles a year on proper cards) and §3 (a partner).
    {
        "slug": "amex-mr",
        "name": "メンバーシップ・リワード",
        "name_en": "Membership Rewards",
        "where_to_spend": "Amazon.co.jp（パートナーポイント）、ANAマイルなどへの移行。",
        "restrictions": "ANAマイルへの移行は1ポイント=1マイル、年間40,000マイルまで（ANAアメリカン・エキスプレス・カードは上限なし）。",
    },
    # RULES.md §1, 002: the hotel and airline cards earn straight into these programmes.
    {"slug": "marriott-bonvoy", "name": "マリオット ボンヴォイ", "name_en": "Marriott Bonvoy"},
    {"slug": "hilton-honors", "name": "ヒルトン・オナーズ", "name_en": "Hilton Honors"},
    {"slug": "ana-mileage", "name": "ANAマイル", "name_en": "ANA Mileage Club miles"},
    {"slug": "delta-skymiles", "name": "デルタ スカイマイル", "name_en": "Delta SkyMiles"},
    # RULES.md §5, 003: only au PAY マネー pays on Amazon; identity verification required.
    {
        "slug": "aupay",
        "name": "au PAY 残高（au PAY マネー）",
        "name_en": "au PAY balance (au PAY Money)",
        "where_to_spend": "Amazon.co.jp（au PAY（ネット支払い）、au PAY マネーのみ）。",
        "restrictions": "Amazon.co.jpで使えるのはau PAY マネーだけ。利用にはau PAYの本人確認登録が必要。",
    },
]


ISSUERS = [
    {"slug": "amex", "name": "アメリカン・エキスプレス", "name_en": "American Express"},
    {"slug": "docomo", "name": "NTTドコモ", "name_en": "NTT DOCOMO"},
    {"slug": "jcb", "name": "JCB", "name_en": "JCB"},
    {"slug": "kddi", "name": "KDDI・auペイメント", "name_en": "KDDI / au Payment"},
    {"slug": "amazon", "name": "Amazon", "name_en": "Amazon"},
    {"slug": "rakuten", "name": "楽天", "name_en": "Rakuten"},
]


# --------------------------------------------------------------------------------------------------
# Merchants — every merchant of RULES.md §1's lists (002, 2024-12-25時点), plus the merchants the
# bonuses (MR Plus, hotel and airline cards) and the earning rules (§2, §3, §5) are about.
# --------------------------------------------------------------------------------------------------

# §1 half rate — 電力会社
ELECTRICITY = [
    ("北海道電力", "Hokkaido Electric Power", ["Hokkaido Electric", "ほくでん"]),
    ("東北電力", "Tohoku Electric Power", ["Tohoku Electric", "ﾄｳﾎｸﾃﾞﾝﾘｮｸ"]),
    (
        "東京電力エナジーパートナー",
        "TEPCO Energy Partner",
        ["TEPCO", "東京電力", "Tokyo Electric Power", "ﾄｳｷｮｳﾃﾞﾝﾘｮｸ", "東電"],
    ),
    ("中部電力", "Chubu Electric Power", ["Chubu Electric", "中部電力ミライズ"]),
    ("関西電力", "Kansai Electric Power", ["Kansai Electric", "KEPCO", "関電", "ｶﾝｻｲﾃﾞﾝﾘｮｸ"]),
    ("中国電力", "Chugoku Electric Power", ["Chugoku Electric", "ﾁｭｳｺﾞｸﾃﾞﾝﾘｮｸ"]),
    ("九州電力", "Kyushu Electric Power", ["Kyushu Electric", "九電", "ｷｭｳｼｭｳﾃﾞﾝﾘｮｸ"]),
    ("沖縄電力", "Okinawa Electric Power", ["Okinawa Electric", "沖電"]),
    ("北陸電力", "Hokuriku Electric Power", ["Hokuriku Electric", "ﾎｸﾘｸﾃﾞﾝﾘｮｸ"]),
    ("四国電力", "Shikoku Electric Power", ["Shikoku Electric", "よんでん"]),
]

# §1 half rate — ガス会社. 大津市企業局 supplies both gas and water and is on both Amex lists: one
# merchant (a merchant has one category; gas, the list it appears in first) and one half row.
GAS = [
    ("北海道ガス", "Hokkaido Gas", ["北ガス", "ﾎｯｶｲﾄﾞｳｶﾞｽ"]),
    ("仙台市ガス局", "Sendai City Gas Bureau", ["Sendai City Gas", "仙台ガス"]),
    ("東部ガス", "Tobu Gas", []),
    ("北陸ガス", "Hokuriku Gas", []),
    ("日本海ガス", "Nihonkai Gas", []),
    ("東彩ガス", "Tosai Gas", []),
    ("武州ガス", "Bushu Gas", []),
    ("京葉ガス", "Keiyo Gas", ["ｹｲﾖｳｶﾞｽ"]),
    ("大多喜ガス", "Otaki Gas", []),
    ("東京ガス", "Tokyo Gas", ["Tokyo Gas", "TOKYO GAS", "ﾄｳｷｮｳｶﾞｽ", "とうきょうがす"]),
    ("長野都市ガス", "Nagano Toshi Gas", []),
    ("静岡ガス", "Shizuoka Gas", []),
    ("東邦ガス", "Toho Gas", ["ﾄｳﾎｳｶﾞｽ"]),
    ("大津市企業局", "Otsu City Enterprise Bureau (gas and water)", ["Otsu City Gas", "Otsu City Water", "大津市水道"]),
    ("大阪ガス", "Osaka Gas", ["OSAKA GAS", "ｵｵｻｶｶﾞｽ", "大ガス"]),
    ("河内長野ガス", "Kawachinagano Gas", []),
    ("広島ガス", "Hiroshima Gas", []),
    ("岡山ガス", "Okayama Gas", []),
    ("山口合同ガス", "Yamaguchi Godo Gas", []),
    ("四国ガス", "Shikoku Gas", []),
    ("西部ガス", "Saibu Gas", ["ｻｲﾌﾞｶﾞｽ"]),
    # Not aliased as plain 日本ガス: that would also catch ニチガス (日本瓦斯), a different company.
    ("日本ガス(鹿児島市)", "Nippon Gas (Kagoshima)", ["日本ガス（鹿児島市）", "Nippon Gas Kagoshima"]),
]

# §1 half rate — 水道局 (21 on the list; 大津市企業局 is the gas merchant above).
WATER = [
    ("札幌市水道局", "Sapporo City Waterworks Bureau", ["Sapporo Waterworks"]),
    ("水戸市水道部", "Mito City Waterworks", []),
    ("東京都水道局", "Tokyo Metropolitan Waterworks Bureau", ["Tokyo Waterworks", "東京水道", "ﾄｳｷｮｳﾄｽｲﾄﾞｳｷｮｸ"]),
    ("多摩地区都営水道", "Tama Area Metropolitan Waterworks", []),
    ("武蔵野市水道部", "Musashino City Waterworks", []),
    ("横浜市水道局", "Yokohama Waterworks Bureau", ["Yokohama Waterworks"]),
    ("小松市水道料金", "Komatsu City water charges", []),
    ("甲府市上下水道局", "Kofu City Water and Sewerage Bureau", []),
    ("名古屋市上下水道局", "Nagoya City Waterworks and Sewerage Bureau", ["Nagoya Waterworks"]),
    ("浜松市上下水道部", "Hamamatsu City Water and Sewerage", []),
    ("桑名市上下水道部", "Kuwana City Water and Sewerage", []),
    ("京都市上下水道局", "Kyoto City Waterworks and Sewerage Bureau", ["Kyoto Waterworks"]),
    ("大阪市水道局", "Osaka City Waterworks Bureau", ["Osaka Waterworks"]),
    ("堺市上下水道局", "Sakai City Water and Sewerage Bureau", []),
    ("神戸市水道局", "Kobe City Waterworks Bureau", ["Kobe Waterworks"]),
    # Listed as 猪名川「市」 in 002; kept as listed so it matches the Amex list.
    ("猪名川市上下水道課", "Inagawa water and sewerage", []),
    ("尼崎市公営企業局", "Amagasaki City Public Enterprise Bureau", []),
    ("福岡市水道局", "Fukuoka City Waterworks Bureau", ["Fukuoka Waterworks"]),
    ("新宮市水道局", "Shingu City Waterworks", []),
    ("長崎市上下水道局", "Nagasaki City Water and Sewerage Bureau", []),
]

# §1 half rate — 税金. Other local taxes are covered by the local_tax category row below.
NATIONAL_TAX = [
    ("国税", "National tax", ["National Tax", "国税クレジットカードお支払サイト"]),
]
LOCAL_TAX = [
    ("都道府県税", "Prefectural tax", ["Prefectural Tax", "都税", "道税", "府税", "県税"]),
]

# §1 half rate — 公金
PUBLIC_FUNDS = [
    ("国民年金保険料", "National Pension premiums", ["National Pension", "国民年金"]),
    ("特許申請料", "Patent application fees", ["Patent fees", "特許料"]),
    ("Yahoo!公金支払い", "Yahoo! public funds payment", ["Yahoo公金支払い", "ヤフー公金支払い"]),
]

# §1 half rate — 決済手段. Also the `charged_as` of the payment methods below.
PAYMENT_SERVICES = [
    ("Amazon Pay", "Amazon Pay", ["AMAZON PAY", "アマゾンペイ", "AmazonPay"]),
    ("d払い", "d barai", ["d払い（コード決済）", "dbarai", "ディーばらい"]),
    ("楽天ペイ", "Rakuten Pay", ["楽天ペイ（コード払い）", "ﾗｸﾃﾝﾍﾟｲ", "RakutenPay"]),
]

# §1 half rate — その他 (hospitals/clinics are the medical category row, not merchants).
LOTTERY = [("Yahoo! toto", "Yahoo! toto", ["Yahoo!toto", "ヤフートト"])]
POSTAL = [
    ("郵便窓口", "Post office counter", ["郵便局", "Japan Post counter"]),
    ("Webゆうびん", "Web Yubin", ["Web Yubin", "ウェブゆうびん"]),
]
# 002 lists it under その他 next to hospitals without saying what it is. CUC Inc. (ex-エムスリー
# ドクターサポート) supports medical institutions and runs hospices and home nursing (its 有価証券報告書),
# so it is filed as medical; its own half row decides its rate either way.
CUC = [("株式会社シーユーシー", "CUC Inc.", ["シーユーシー", "CUC"])]

# §1 excluded — 放送局
BROADCASTING = [("NHK", "NHK (Japan Broadcasting Corporation)", ["日本放送協会", "NHK受信料", "ｴﾇｴｲﾁｹｲ"])]

# §1 excluded — 電子マネー (15)
E_MONEY = [
    ("楽天Edy", "Rakuten Edy", ["Rakuten Edy", "Edy", "エディ"]),
    ("モバイルSuica", "Mobile Suica", ["Mobile Suica", "ﾓﾊﾞｲﾙｽｲｶ"]),
    ("SMART ICOCA", "SMART ICOCA", ["スマートイコカ"]),
    ("モバイルICOCA", "Mobile ICOCA", ["Mobile ICOCA", "モバイルイコカ"]),
    ("nanaco Apple Pay", "nanaco (Apple Pay)", ["nanaco", "ナナコ"]),
    ("モバイルPASMO", "Mobile PASMO", ["Mobile PASMO", "モバイルパスモ"]),
    ("WAONチャージ", "WAON charge", ["WAON", "ワオン"]),
    ("IDARE", "IDARE", []),
    ("au PAY 残高", "au PAY balance top-up", ["au PAY残高", "au PAY チャージ", "auPAY"]),
    ("WebMoneyプリペイドカード", "WebMoney Prepaid Card", ["WebMoney"]),
    ("EVERING", "EVERING", ["エブリング"]),
    ("Kyash", "Kyash", ["Kyash Card"]),
    ("B/43", "B/43", ["B43", "ビーヨンサン"]),
    ("バンドルカード", "Vandle Card", ["VANDLE CARD"]),
    ("ハチペイ", "Hachipay", ["HACHIPAY"]),
]

# §1 excluded — 寄付団体 (9)
DONATIONS = [
    ("国境なき医師団", "Médecins Sans Frontières Japan", ["MSF", "Doctors Without Borders"]),
    ("国際連合世界食糧計画WFP協会", "Japan Association for the World Food Programme", ["WFP", "国連WFP協会"]),
    ("国連UNHCR協会", "Japan for UNHCR", ["UNHCR"]),
    ("セーブ・ザ・チルドレン・ジャパン", "Save the Children Japan", ["Save the Children"]),
    ("日本赤十字社", "Japanese Red Cross Society", ["Japanese Red Cross", "赤十字"]),
    ("日本ユニセフ協会", "Japan Committee for UNICEF", ["UNICEF", "ユニセフ"]),
    ("プラン・インターナショナル", "Plan International Japan", ["Plan International"]),
    ("Yahoo!ネット募金", "Yahoo! Net Bokin", ["Yahoo!募金", "ヤフーネット募金"]),
    ("ワールド・ビジョン・ジャパン", "World Vision Japan", ["World Vision"]),
]

# §1 excluded — カードの手数料 (002 その他). The aliases are 002's own wording.
CARD_CHARGES = [
    ("年会費・月会費", "Card annual / monthly fee", ["カード年会費/月会費", "カード年会費"]),
    (
        "メンバーシップ・リワード・プラス年会費",
        "Membership Rewards Plus annual fee",
        ["メンバーシップ・リワード・プラス年間参加費"],
    ),
    ("ポイント移行コース登録料", "Point-transfer course fee", ["ポイント移行コース年間参加費"]),
    ("延滞損害金", "Late charges", ["遅延損害金"]),
    ("リボ払い手数料", "Revolving credit fees", ["リボルビング払いにおける手数料"]),
    ("メタルカード再発行手数料", "Metal card reissue fee", []),
    ("ANAマイル移行手数料", "ANA mile-transfer fee", ["ANAマイルへの移行にかかる年間参加費"]),
]

# §1 bonuses (002) and the earning rules' merchants (§2, §3, §5).
ONLINE_SHOPPING = [
    ("Amazon", "Amazon.co.jp", ["Amazon.co.jp", "AMAZON.CO.JP", "アマゾン", "Amazon Japan"]),
    ("楽天市場", "Rakuten Ichiba", ["Rakuten Ichiba", "RAKUTEN ICHIBA", "ﾗｸﾃﾝｲﾁﾊﾞ"]),
    ("Yahoo!JAPAN", "Yahoo! JAPAN", ["Yahoo! JAPAN", "Yahoo Japan", "ヤフー"]),
    ("iTunes Store", "iTunes Store", ["iTunes", "アイチューンズ"]),
]
AIRLINES = [
    ("JAL", "Japan Airlines", ["日本航空", "Japan Airlines", "JAPAN AIRLINES"]),
    ("ANA航空券", "ANA tickets", ["ANA", "全日空", "全日本空輸", "All Nippon Airways"]),
    ("デルタ航空航空券", "Delta Air Lines tickets", ["Delta", "デルタ航空", "Delta Air Lines"]),
]
TRAVEL = [
    ("HIS", "H.I.S.", ["H.I.S.", "エイチ・アイ・エス"]),
    ("AMERICAN EXPRESS TRAVEL", "American Express Travel", ["アメリカン・エキスプレス・トラベル", "Amex Travel"]),
    ("一休", "Ikyu", ["一休.com", "ikyu.com", "Ikyu"]),
]
FOOD_DELIVERY = [("Uber Eats", "Uber Eats", ["ウーバーイーツ", "UBER EATS"])]
ELECTRONICS = [("ヨドバシカメラ", "Yodobashi Camera", ["Yodobashi Camera", "ヨドバシ.com", "YODOBASHI"])]
HOTELS = [
    ("マリオット・ボンヴォイ参加ホテル", "Marriott Bonvoy hotels", ["Marriott", "マリオット", "Marriott Bonvoy hotel"]),
    ("ヒルトン・オナーズ参加ホテル", "Hilton Honors hotels", ["Hilton", "ヒルトン", "Hilton Honors hotel"]),
]

# (category, merchants): every merchant of the catalog, once.
MERCHANT_GROUPS = [
    ("electricity", ELECTRICITY),
    ("gas", GAS),
    ("water", WATER),
    ("national_tax", NATIONAL_TAX),
    ("local_tax", LOCAL_TAX),
    ("public_funds", PUBLIC_FUNDS),
    ("payment_service", PAYMENT_SERVICES),
    ("lottery", LOTTERY),
    ("postal", POSTAL),
    ("medical", CUC),
    ("broadcasting", BROADCASTING),
    ("e_money", E_MONEY),
    ("donation", DONATIONS),
    ("card_fee", CARD_CHARGES),
    ("online_shopping", ONLINE_SHOPPING),
    ("airline", AIRLINES),
    ("travel", TRAVEL),
    ("food_delivery", FOOD_DELIVERY),
    ("electronics", ELECTRONICS),
    ("hotel", HOTELS),
]


# --------------------------------------------------------------------------------------------------
# Payment methods — RULES.md "Canonical slugs"; Japanese names as the articles write them.
# --------------------------------------------------------------------------------------------------
MR_CARDS = [
    "amex-green",
    "amex-gold-preferred",
    "amex-platinum",
    "amex-business",
    "amex-business-gold",
    "amex-business-platinum",
]
ANA_CARDS = ["ana-amex", "ana-amex-gold", "ana-amex-premium"]
DELTA_CARDS = ["delta-amex", "delta-amex-gold"]
MARRIOTT_CARDS = ["marriott-amex", "marriott-amex-premium"]
HILTON_CARDS = ["hilton-amex", "hilton-amex-premium"]

PAYMENT_METHODS = [
    # RULES.md §1, 002 — the fifteen Amex cards.
    {"slug": "amex-green", "name": "アメリカン・エキスプレス・カード", "name_en": "American Express Card (Green)", "issuer": "amex", "program": "amex-mr", "kind": "credit_card"},
    {"slug": "amex-gold-preferred", "name": "アメリカン・エキスプレス・ゴールド・プリファード・カード", "name_en": "American Express Gold Preferred Card", "issuer": "amex", "program": "amex-mr", "kind": "credit_card"},
    {"slug": "amex-platinum", "name": "アメリカン・エキスプレス・プラチナ・カード", "name_en": "American Express Platinum Card", "issuer": "amex", "program": "amex-mr", "kind": "credit_card"},
    {"slug": "amex-business", "name": "アメリカン・エキスプレス・ビジネス・カード", "name_en": "American Express Business Card", "issuer": "amex", "program": "amex-mr", "kind": "credit_card"},
    {"slug": "amex-business-gold", "name": "アメリカン・エキスプレス・ビジネス・ゴールド・カード", "name_en": "American Express Business Gold Card", "issuer": "amex", "program": "amex-mr", "kind": "credit_card"},
    {"slug": "amex-business-platinum", "name": "アメリカン・エキスプレス・ビジネス・プラチナ・カード", "name_en": "American Express Business Platinum Card", "issuer": "amex", "program": "amex-mr", "kind": "credit_card"},
    {"slug": "ana-amex", "name": "ANAアメリカン・エキスプレス・カード", "name_en": "ANA American Express Card", "issuer": "amex", "program": "ana-mileage", "kind": "credit_card"},
    {"slug": "ana-amex-gold", "name": "ANAアメリカン・エキスプレス・ゴールド・カード", "name_en": "ANA American Express Gold Card", "issuer": "amex", "program": "ana-mileage", "kind": "credit_card"},
    {"slug": "ana-amex-premium", "name": "ANAアメリカン・エキスプレス・プレミアム・カード", "name_en": "ANA American Express Premium Card", "issuer": "amex", "program": "ana-mileage", "kind": "credit_card"},
    {"slug": "delta-amex", "name": "デルタ スカイマイル アメリカン・エキスプレス・カード", "name_en": "Delta SkyMiles American Express Card", "issuer": "amex", "program": "delta-skymiles", "kind": "credit_card"},
    {"slug": "delta-amex-gold", "name": "デルタ スカイマイル アメリカン・エキスプレス・ゴールド・カード", "name_en": "Delta SkyMiles American Express Gold Card", "issuer": "amex", "program": "delta-skymiles", "kind": "credit_card"},
    {"slug": "marriott-amex", "name": "Marriott Bonvoy アメリカン・エキスプレス・カード", "name_en": "Marriott Bonvoy American Express Card", "issuer": "amex", "program": "marriott-bonvoy", "kind": "credit_card"},
    {"slug": "marriott-amex-premium", "name": "Marriott Bonvoy アメリカン・エキスプレス・プレミアム・カード", "name_en": "Marriott Bonvoy American Express Premium Card", "issuer": "amex", "program": "marriott-bonvoy", "kind": "credit_card"},
    {"slug": "hilton-amex", "name": "ヒルトン・オナーズ アメリカン・エキスプレス・カード", "name_en": "Hilton Honors American Express Card", "issuer": "amex", "program": "hilton-honors", "kind": "credit_card"},
    {"slug": "hilton-amex-premium", "name": "ヒルトン・オナーズ アメリカン・エキスプレス・プレミアム・カード", "name_en": "Hilton Honors American Express Premium Card", "issuer": "amex", "program": "hilton-honors", "kind": "credit_card"},
    # RULES.md §4, 001 — docomo.
    {"slug": "dcard", "name": "dカード", "name_en": "d CARD", "issuer": "docomo", "program": "dpoint", "kind": "credit_card"},
    {"slug": "dcard-gold", "name": "dカード GOLD", "name_en": "d CARD GOLD", "issuer": "docomo", "program": "dpoint", "kind": "credit_card"},
    {"slug": "dcard-prepaid", "name": "dカード プリペイド", "name_en": "d CARD PREPAID", "issuer": "docomo", "program": "dpoint", "kind": "prepaid_card"},
    {"slug": "d-barai", "name": "d払い", "name_en": "d barai", "issuer": "docomo", "program": "dpoint", "kind": "code_payment", "charged_as": "d払い"},
    {"slug": "id-dcard", "name": "iD(dカード)", "name_en": "iD (d CARD)", "issuer": "docomo", "program": "dpoint", "kind": "contactless"},
    # RULES.md §3, 000 — JCB pays Amazon and earns Oki Doki.
    {"slug": "jcb", "name": "JCBカード", "name_en": "JCB card", "issuer": "jcb", "program": "okidoki", "kind": "credit_card"},
    # RULES.md §5, 003 — a card tops up au PAY 残高, which pays Amazon.
    {"slug": "aupay-net", "name": "au PAY（ネット支払い）", "name_en": "au PAY (online payment)", "issuer": "kddi", "program": "aupay", "kind": "online_wallet", "charged_as": "au PAY 残高"},
    # RULES.md §1, 002 — payment services a card sees as half-rate merchants.
    {"slug": "amazon-pay", "name": "Amazon Pay", "name_en": "Amazon Pay", "issuer": "amazon", "program": "amazon", "kind": "online_wallet", "charged_as": "Amazon Pay"},
    {"slug": "rakuten-pay", "name": "楽天ペイ", "name_en": "Rakuten Pay", "issuer": "rakuten", "program": "rakuten", "kind": "code_payment", "charged_as": "楽天ペイ"},
]


# --------------------------------------------------------------------------------------------------
# Base rates. dcard-prepaid, jcb, aupay-net, amazon-pay and rakuten-pay have none: no article gives
# their ordinary rate, and a made-up figure would be worse than none.
# --------------------------------------------------------------------------------------------------
AMEX_BASE_SOURCE = f"RULES.md §1, {AMEX_ARTICLE}"
DOCOMO_BASE_SOURCE = f"RULES.md §4, {DPOINT_ARTICLE}"
ANA_VIA_MR = "メンバーシップ・リワードとして貯まり、1ポイント=1マイルでANAマイルに移行（ANAアメックスは移行上限なし）。"
DELTA_VIA_MR = "メンバーシップ・リワードとして貯まり、1ポイント=1マイルでデルタ スカイマイルに自動移行。"
DCARD_READING = "【解釈】記事はd払いに紐付けたdカードの利用分を100円につき1ポイントとしている。これをカード利用の基本還元とした。"

BASE_RATES = [
    # RULES.md §1, 002: "100円につき1ポイント" on the proper cards.
    {"method": "amex-green", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "amex-gold-preferred", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "amex-platinum", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "amex-business", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "amex-business-gold", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "amex-business-platinum", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    # RULES.md §1, 002: the airline cards "100円につき1マイル".
    {"method": "ana-amex", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE, "note": ANA_VIA_MR},
    {"method": "ana-amex-gold", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE, "note": ANA_VIA_MR},
    {"method": "ana-amex-premium", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE, "note": ANA_VIA_MR},
    {"method": "delta-amex", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE, "note": DELTA_VIA_MR},
    {"method": "delta-amex-gold", "points": 1, "per_yen": 100, "source": AMEX_BASE_SOURCE, "note": DELTA_VIA_MR},
    # RULES.md §1, 002: the hotel cards 2 per 100 yen, premium 3.
    {"method": "marriott-amex", "points": 2, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "marriott-amex-premium", "points": 3, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "hilton-amex", "points": 2, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    {"method": "hilton-amex-premium", "points": 3, "per_yen": 100, "source": AMEX_BASE_SOURCE},
    # RULES.md §4, 001: d払い earns 1 per 200 yen in store, 1 per 100 yen online.
    {"method": "d-barai", "channel": "store", "points": 1, "per_yen": 200, "source": DOCOMO_BASE_SOURCE},
    {
        "method": "d-barai",
        "channel": "online",
        "points": 1,
        "per_yen": 100,
        "source": DOCOMO_BASE_SOURCE,
        # RULES.md §3 (000, 2025-11) says d払い on Amazon earns 0.5%, against 001's online 1 per 100;
        # we keep 001's figure and tell the user the newer article differs.
        "note": "【注意】Amazonパートナーポイントの記事（2025年11月時点）は、Amazonでのd払いの基本還元を0.5%としている。",
    },
    # RULES.md §4, 001: iD(dカード) 1 per 100 yen.
    {"method": "id-dcard", "points": 1, "per_yen": 100, "source": DOCOMO_BASE_SOURCE},
    # RULES.md §4, 001: d払い funded by dcard earns another 1 per 100 yen "as card use"; [reading]
    # that is the card's ordinary rate, for dcard GOLD too.
    {"method": "dcard", "points": 1, "per_yen": 100, "source": DOCOMO_BASE_SOURCE, "note": DCARD_READING},
    {"method": "dcard-gold", "points": 1, "per_yen": 100, "source": DOCOMO_BASE_SOURCE, "note": DCARD_READING},
]


# --------------------------------------------------------------------------------------------------
# Add-on — RULES.md §1, 002: メンバーシップ・リワード・プラス.
# --------------------------------------------------------------------------------------------------
ADDONS = [
    {
        "slug": "mr-plus",
        "name": "メンバーシップ・リワード・プラス",
        "name_en": "Membership Rewards Plus",
        "annual_fee_yen": 3300,
        "eligible_cards": MR_CARDS,
        # Free to join, but it must still be joined.
        "free_for": ["amex-platinum", "amex-business-platinum", "amex-gold-preferred"],
    },
]


# --------------------------------------------------------------------------------------------------
# Amex merchant treatments — RULES.md §1, 002 (2024-12-25時点).
# Each entry makes one row per merchant (`merchants` by name, or whole `groups` above) or one
# category row. Defaults: issuer amex, every card of the issuer, list_date AMEX_LIST_DATE, source
# AMEX_LIST_SOURCE. `row_notes` adds a note to one merchant's row.
# [reading] valid_from defaults to SINCE_BEFORE_RECORDS: the article is a snapshot (list_date) of
# lists that applied long before it, so a 2024 東京ガス bill is half rate too; only the changes the
# article records (B/43, au PAY 残高 → excluded) start on the list date (`row_valid_from`).
# --------------------------------------------------------------------------------------------------

# B/43 and au PAY 残高: 002 says they used to earn full / half and are now excluded, without a date.
# [reading] the change took effect on the list date, the first day the article shows them excluded;
# before it they had their old treatment since before anything the family records.
CHANGE_READING = "【解釈】変更日は記事に記載がないため、除外を確認できる2024-12-25（アメックスの一覧の日付）からとした。"

ANA_TICKETS = "ANAカードマイルプラスの加算分を含む合計。"

AMEX_TREATMENTS = [
    # Excluded (0 points): 放送局, 電子マネー, 寄付団体, カードの手数料.
    {
        "treatment": "excluded",
        "groups": [BROADCASTING, E_MONEY, DONATIONS, CARD_CHARGES],
        "row_notes": {
            "B/43": "以前は通常還元だった。" + CHANGE_READING,
            "au PAY 残高": "以前は還元半分だった。" + CHANGE_READING,
        },
        "row_valid_from": {"B/43": AMEX_LIST_DATE, "au PAY 残高": AMEX_LIST_DATE},
    },
    # Half rate ("200円につき1ポイント"; premium hotel cards "200円につき3ポイント").
    {
        "treatment": "half",
        "groups": [ELECTRICITY, GAS, WATER, NATIONAL_TAX, LOCAL_TAX, PUBLIC_FUNDS, PAYMENT_SERVICES, LOTTERY, POSTAL, CUC],
        "row_notes": {
            "国税": "年間の国税支払いには上限がある（カードによる。国税の支払い上限を参照）。",
            "d払い": "d払い（二次元バーコード、バーコード決済分）。",
            "楽天ペイ": "楽天ペイ（コード払い決済分）。",
        },
    },
    {"treatment": "half", "category": "medical", "note": "病院/クリニックなど医療関連。"},
    {"treatment": "half", "category": "local_tax", "note": "都道府県税などの地方税。"},
    # History: what B/43 and au PAY 残高 earned before they were excluded.
    {
        "treatment": "full",
        "merchants": ["B/43"],
        "valid_from": SINCE_BEFORE_RECORDS,
        "valid_to": AMEX_LIST_DATE - dt.timedelta(days=1),
        "note": "B/43へのチャージは通常還元だった（1,000円チャージで10ポイント）。" + CHANGE_READING,
    },
    {
        "treatment": "half",
        "merchants": ["au PAY 残高"],
        "valid_from": SINCE_BEFORE_RECORDS,
        "valid_to": AMEX_LIST_DATE - dt.timedelta(days=1),
        "note": "au PAY 残高へのチャージは還元半分だった。" + CHANGE_READING,
    },
    # Membership Rewards Plus: 3 per 100 yen at nine merchants, for an enrolled MR card.
    {
        "treatment": "bonus",
        "merchants": [
            "Amazon",
            "Yahoo!JAPAN",
            "iTunes Store",
            "JAL",
            "HIS",
            "AMERICAN EXPRESS TRAVEL",
            "Uber Eats",
            "ヨドバシカメラ",
            "一休",
        ],
        "cards": MR_CARDS,
        "points": 3,
        "per_yen": 100,
        "requires_addon": "mr-plus",
        "note": "メンバーシップ・リワード・プラスに登録したカードで3%。",
    },
    # Hotel cards at their hotels (ホテル利用でのポイントアップ): total rate.
    {"treatment": "bonus", "merchants": ["マリオット・ボンヴォイ参加ホテル"], "cards": ["marriott-amex"], "points": 3, "per_yen": 100},
    {"treatment": "bonus", "merchants": ["マリオット・ボンヴォイ参加ホテル"], "cards": ["marriott-amex-premium"], "points": 6, "per_yen": 100},
    {"treatment": "bonus", "merchants": ["ヒルトン・オナーズ参加ホテル"], "cards": ["hilton-amex"], "points": 3, "per_yen": 100},
    {"treatment": "bonus", "merchants": ["ヒルトン・オナーズ参加ホテル"], "cards": ["hilton-amex-premium"], "points": 7, "per_yen": 100},
    # Airline cards buying their airline's tickets: total rate (ANA incl. ANAカードマイルプラス).
    {"treatment": "bonus", "merchants": ["ANA航空券"], "cards": ["ana-amex"], "points": 5, "per_yen": 200, "note": ANA_TICKETS},
    {"treatment": "bonus", "merchants": ["ANA航空券"], "cards": ["ana-amex-gold"], "points": 3, "per_yen": 100, "note": ANA_TICKETS},
    {"treatment": "bonus", "merchants": ["ANA航空券"], "cards": ["ana-amex-premium"], "points": 9, "per_yen": 200, "note": ANA_TICKETS},
    {"treatment": "bonus", "merchants": ["デルタ航空航空券"], "cards": ["delta-amex"], "points": 2, "per_yen": 100},
    {"treatment": "bonus", "merchants": ["デルタ航空航空券"], "cards": ["delta-amex-gold"], "points": 3, "per_yen": 100},
]


# --------------------------------------------------------------------------------------------------
# National-tax caps — RULES.md §1, 002 (「国税お支払いに伴う加算ポイント」).
# 002's image captions for the Hilton, ANA and Delta caps say "2023年1月1日から" while its text
# says 2024-01-01; the text (and RULES.md) win.
# --------------------------------------------------------------------------------------------------
CAP_SOURCE = f"RULES.md §1, {AMEX_ARTICLE}"
CAP_NOTE = "上限までの国税は還元半分、上限を超えた分は0ポイント（暦年で集計）。"

SPEND_CAPS = [
    {
        "name": "国税 年500万円超は対象外（マリオット）",
        "merchant": "国税",
        "cards": MARRIOTT_CARDS,
        "cap_yen": 5_000_000,
        "valid_from": dt.date(2023, 1, 1),
        # Lowered to 3,000,000 yen from 2024-01-01 (the next row).
        "valid_to": dt.date(2023, 12, 31),
        "note": CAP_NOTE,
    },
    {
        "name": "国税 年300万円超は対象外",
        "merchant": "国税",
        "cards": [*MARRIOTT_CARDS, *HILTON_CARDS, *ANA_CARDS, *DELTA_CARDS],
        "cap_yen": 3_000_000,
        "valid_from": dt.date(2024, 1, 1),
        "valid_to": None,
        "note": CAP_NOTE,
    },
]


# --------------------------------------------------------------------------------------------------
# Earning rules — RULES.md §2–§5.
# --------------------------------------------------------------------------------------------------
EARNING_RULES = [
    # RULES.md §3, 000 (2025年11月時点): dポイント on Amazon.
    {
        "slug": "amazon-dpoint",
        "name": "Amazonでdポイントが貯まる（パートナーポイント）",
        "kind": "merchant_programme",
        "program": "dpoint",
        "merchants": ["Amazon"],
        "requires_linked_account": True,
        "rate_source": "fixed",
        "points": 1,
        "per_yen": 100,
        "rounding": "proportional",
        "amount_basis": "eligible_items",
        "min_amount_yen": 5000,
        "cap_points_per_payment": 100,
        "excluded_item_flags": ["prime_fee", "kindle", "gift_card", "voucher"],
        "grant_timing": "at_shipment",
        "lot_kind": "normal",
        # 000 gives the conditions as of 2025-11 and no start date for them (it only says the
        # docomo × Amazon tie-up began in 2024-04), so the rule starts 2025-11-01.
        "valid_from": dt.date(2025, 11, 1),
        "source": f"RULES.md §3, {AMAZON_ARTICLE} (2025年11月時点)",
        "note": (
            "dアカウント連携、1回の注文5,000円（税込）以上で1%、1注文100ポイントまで。注文の全商品が出荷されたときに付与。"
            "Amazonポイントとは別に貯まる。"
            "【解釈】対象外の商品（プライム会費、Kindleなど電子書籍、Amazonギフトカード、金券類）は"
            "5,000円の判定にも数えず、ポイントも付かない。"
            "【解釈】開始日は記事に記載がない（2024年4月にドコモとAmazonの協業開始とだけある）ため、"
            "記事の時点の2025-11-01からとした。"
        ),
    },
    # RULES.md §2, 004: 楽天市場 earns 楽天ポイント on the tax-excluded total after coupons.
    {
        "slug": "rakuten-ichiba",
        "name": "楽天市場でのお買い物",
        "kind": "merchant_programme",
        "program": "rakuten",
        "merchants": ["楽天市場"],
        "requires_linked_account": True,
        "rate_source": "fixed",
        "points": 1,
        "per_yen": 100,
        "rounding": "per_unit",
        "amount_basis": "excl_tax_after_coupons",
        "grant_timing": "at_payment",
        # [reading] 獲得予定 the day after the purchase, usable 20 days after that.
        "available_after_days": 21,
        "lot_kind": "normal",
        "valid_from": SINCE_BEFORE_RECORDS,
        "source": f"RULES.md §2, {RAKUTEN_ARTICLE}",
        "note": (
            "税抜100円につき1ポイント。クーポン値引き後の金額が対象で、使ったポイントは対象額を減らさない"
            "（2,000円で500円クーポン→15ポイント、500ポイント利用→20ポイント）。"
            "【解釈】購入翌日に獲得予定ポイントとなり、その20日後に利用可能＝購入日の21日後から使える。"
        ),
    },
    # RULES.md §4, 001: dポイントスーパー還元プログラム (renewed 2020-05-10).
    {
        "slug": "dpoint-super-kangen",
        "name": "dポイントスーパー還元プログラム",
        "kind": "payment_programme",
        "program": "dpoint",
        "methods": ["d-barai", "id-dcard"],
        "channel": "store",
        "allowed_funding": ["dcard", "dcard-gold", "docomo-bill", "d-barai-balance"],
        "requires_entry": True,
        "rate_source": "member_percent",
        "rounding": "proportional",
        "amount_basis": "incl_tax_minus_points",
        "cycle_start_day": 10,
        "cap_yen_per_cycle": 15000,
        "grant_timing": "end_of_month_after_next_of_cycle",
        "lot_kind": "period_limited",
        "valid_days": 96,
        "valid_from": dt.date(2020, 5, 10),
        "source": f"RULES.md §4, {DPOINT_ARTICLE} (2020-05-10リニューアル)",
        "note": (
            "実店舗でのd払い・iD(dカード)が対象（ネット決済、dカード プリペイドのiDは対象外）。"
            "d払いはdカード・電話料金合算払い・d払い残高で支払う場合のみ。最大+7%、還元率は会員がサイクルごとに入力する。"
            "毎月10日～翌月9日で1万5,000円利用分まで。サイクル開始月の翌々月末に期間・用途限定ポイント（付与日から96日間有効）で付与。"
            "d払いで充当したポイント分は対象外（1,000円で100ポイント充当→900円が対象）。"
            "エントリーは一度でよい（2019-05-22以降にエントリーしていれば毎月は不要）。"
        ),
    },
    # RULES.md §5, 003 (press release 2026-03-17): au PAY × Amazon.
    {
        "slug": "aupay-amazon-2026spring",
        "name": "au PAY × Amazon キャンペーン",
        "kind": "campaign",
        "program": "aupay",
        "merchants": ["Amazon"],
        "methods": ["aupay-net"],
        "requires_entry": True,
        "rate_source": "tiers",
        "rounding": "proportional",
        "min_amount_yen": 200,
        "cap_points_per_period": 500,
        "grant_timing": "by_payout_date",
        # 003: "2026年6月末頃までに還元" → the last day of June.
        "payout_date": dt.date(2026, 6, 30),
        "lot_kind": "normal",
        "valid_from": dt.date(2026, 3, 31),
        "valid_to": dt.date(2026, 4, 6),
        "source": f"RULES.md §5, {AUPAY_ARTICLE} (2026-03-17報道発表)",
        "note": (
            "要エントリー。Amazon.co.jpでau PAY（ネット支払い）を1回200円（税込）以上利用。還元上限は期間中500円相当。"
            "一部商品は対象外。支払いに使えるのはau PAY マネーのみで、au PAYの本人確認登録が必要。"
            "2026年6月末頃までにau PAY 残高で還元。"
            "【解釈】「最大30%／最大10%」をそれぞれ30%／10%として計算する。"
        ),
        "tiers": [
            {"status": "first-use", "label": "初めてAmazonでau PAYを利用", "points": 30, "per_yen": 100},
            {"status": "returning", "label": "2026-03-30 23:59までに利用歴あり", "points": 10, "per_yen": 100},
        ],
    },
]
