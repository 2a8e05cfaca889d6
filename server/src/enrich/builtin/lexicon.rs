//! Weighted Malay/English cue phrases per category, scanned in one Aho-Corasick pass
//! over the lowercased text, with negation ("tidak meminta", "did not ask", "bukan").
//!
//! Phrases ending in `*` match as prefixes ("misappropriat*" → misappropriated, -ion).
//! Weights: 3–4 names the offence outright, 2 is a strong behavioural cue, 1 is context.
//! Category codes refer to `aduan_api::taxonomy`; a test checks they all exist there.

use std::sync::LazyLock;

use aduan_api::taxonomy::CATEGORIES;
use aho_corasick::{AhoCorasick, MatchKind};

use super::text::Doc;

/// What a phrase signals besides a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// Evidence for one category (index into `taxonomy::CATEGORIES`).
    Category(usize),
    /// "rasuah", "bribe": corruption is alleged, but not which kind.
    Generic,
    /// The person involved works for a private company (s17 rather than s16).
    PrivateAgent,
    /// A foreign state or its currency (s22 when an official is involved).
    Foreign,
    /// An official, officer or civil servant is involved.
    Official,
    /// Money or a sum is mentioned.
    Money,
    /// Someone asks, tells or charges ("kata", "told", "kena bayar").
    Demand,
    /// Someone hands something over ("beri", "left an envelope").
    Give,
    /// A relative of the actor ("adik-beradiknya", "his daughter").
    Family,
    /// An official decision ("meluluskan", "approved", "chaired").
    Approval,
}

type Group = (&'static str, f32, &'static [&'static str]);

#[rustfmt::skip]
const GROUPS: &[Group] = &[
    ("solicit_accept_bribe", 3.0, &["meminta rasuah", "minta rasuah", "meminta suapan", "menerima rasuah", "terima rasuah", "menerima suapan", "duit kopi", "wang kopi", "duit proses", "asked for a bribe", "demanded a bribe", "solicit*", "accepted a bribe", "accepting bribes", "took a bribe", "took bribes", "takes bribes", "received a bribe", "received bribes", "meminta sogokan", "menerima sogokan"]),
    ("solicit_accept_bribe", 2.0, &["meminta wang", "minta wang", "minta duit", "meminta duit", "meminta bayaran", "minta bayaran", "minta rm*", "meminta rm*", "mahu wang", "nak duit", "asked for rm*", "asked for money", "ask for money", "asked me for", "asked me to pay", "demanded", "demanding", "demands", "menerima wang", "terima duit", "terima wang", "supaya tidak disaman", "supaya saya tidak disaman", "to avoid a summons", "without a summons", "personal account", "kickback*", "no money, no", "minta komisen", "pay him", "bayar kepadanya", "saguhati", "sagu hati", "duit teh", "duit rokok", "wang pelincir", "settle it", "kena bayar", "mesti bayar", "had to pay", "must pay", "mengenakan bayaran", "masuk poket", "into his pocket", "come back with cash", "under the table", "bawah meja", "wang perlindungan", "protection money"]),
    ("solicit_accept_bribe", 1.0, &["meminta", "minta", "asked for", "let me go", "lepaskan", "in his pocket", "untuk melepaskan", "to let me", "tersangkut", "terpaksa", "was forced to", "so that i would not"]),
    ("offer_give_bribe", 3.0, &["menawarkan rasuah", "menawarkan wang", "menawarkan suapan", "memberi rasuah", "memberi suapan", "beri rasuah", "offered a bribe", "offered him", "offered her", "offered money", "offered rm*", "offering money", "tried to bribe", "cuba memberi", "tried to give", "tried to pay", "token of appreciation", "tanda penghargaan", "left an envelope", "sampul berisi wang", "envelope with", "cuba merasuah", "merasuah", "menyogok", "paid a bribe", "berjanji akan memberi", "promised to pay", "cuba menawarkan"]),
    ("offer_give_bribe", 2.0, &["menawarkan", "offered", "offering", "tawaran", "sogok*", "bribed", "hand over", "handed over", "hand over rm*", "memberi wang", "beri duit", "bagi duit", "gave money", "gave him", "giving expensive", "expensive gifts", "hadiah", "gifts", "memberi hadiah", "hulur*"]),
    ("offer_give_bribe", 1.0, &["memberi", "paid him", "gave", "giving", "offer", "payment to"]),
    ("false_claim", 3.0, &["tuntutan palsu", "false claim*", "tuntutan perjalanan palsu", "claim palsu", "invois palsu", "fake invoice*", "resit palsu", "fake receipt*", "fake fuel receipt*", "fictitious", "tuntutan bertindih", "inflated claim*", "overtime claim*", "tuntutan lebih masa", "kerja yang tidak dibuat", "work not done", "work that was not done", "never delivered", "tidak pernah dihantar"]),
    ("false_claim", 2.0, &["dokumen palsu", "dipalsukan", "tuntutan bayaran", "tuntutan elaun", "mileage", "tidak pernah dibuat", "never made", "claimed", "claims for", "inflated invoice*", "tidak wujud", "did not exist", "tidak benar", "belum dibuat", "never attended", "tidak hadir", "false certificate*", "sijil palsu", "ghost worker*", "pekerja hantu"]),
    ("false_claim", 1.0, &["palsu", "fake", "tuntutan", "claim", "claims", "elaun", "allowance*", "altered", "meluluskan bayaran", "invois", "invoice*", "resit", "receipt*"]),
    ("abuse_of_power", 4.0, &["salah guna kuasa", "menyalahgunakan kuasa", "abuse of power", "abused his power", "abused her power", "abused his position", "abused her position", "menyalahgunakan jawatan", "menyalahgunakan kedudukan"]),
    ("abuse_of_power", 3.0, &["used his position", "used her position", "use his position", "menggunakan kedudukan*", "menggunakan jawatan*", "konflik kepentingan", "conflict of interest", "syarikat milik anak*", "syarikat milik isteri*", "syarikat milik suami*", "syarikat milik keluarga*", "wife's company", "husband's company", "son's company", "family company", "did not declare", "tidak mengisytiharkan", "never disclosed", "did not disclose", "tanpa mendedahkan", "tidak mendedahkan", "used his authority", "used her authority", "menggunakan kuasa*", "brother-in-law's company", "daughter's company", "keluarganya sendiri", "adik-beradiknya sendiri"]),
    ("abuse_of_power", 1.5, &["anak lelakinya", "anak perempuannya", "isterinya", "suaminya", "adik ipar*", "abang ipar", "nephew", "niece", "anak saudara*", "ahli keluarga", "family member*", "relative*", "kroni", "cronies", "his wife", "her husband", "his son", "his daughter", "melantik", "appoint*", "tanpa melalui mesyuarat", "adik-beradik*", "saudara-mara*", "brother-in-law", "sister-in-law", "son-in-law", "his brother", "his sister", "keluarganya", "mempengerusikan", "chaired"]),
    ("corporate_liability", 3.0, &["bagi pihak syarikat", "on behalf of the company", "17a", "anti-bribery procedures", "anti-bribery", "prosedur pencegahan rasuah", "adequate procedures", "facilitation fee*", "company benefited", "syarikat mendapat manfaat", "dasar memberi", "policy of paying", "management knew", "company policy", "dasar syarikat", "so that the company", "supaya syarikat", "untuk syarikat mendapat", "approved by the ceo"]),
    ("corporate_liability", 1.5, &["on behalf of", "yuran perundingan", "consultancy fee*", "consulting fee*", "direkodkan sebagai", "booked as", "recorded as", "komisen", "commission*", "managing director", "pengarah syarikat", "sales executive", "pengurus jualan*", "marketing expenses", "pengarah urusan", "ceo", "account manager*", "direkod sebagai", "perbelanjaan am", "client entertainment", "entertainment budget", "processing fee"]),
    ("tender_procurement", 3.0, &["bid rigging", "bid-rigging", "harga tender bocor", "berpakat", "pakatan harga", "price fixing", "pull out of the tender", "tidak menghantar bidaan", "menarik diri daripada tender", "withdraw from the tender", "tender was rigged", "tender diatur", "kartel", "cartel"]),
    ("tender_procurement", 2.0, &["tender", "tenders", "sebut harga", "quotation*", "rigged", "menarik diri", "withdraw*", "not to bid", "bocor", "leaked", "perolehan", "procurement", "spesifikasi", "specification*"]),
    ("tender_procurement", 1.0, &["diatur", "bid", "bids", "bidder*", "kontraktor", "contractor*", "kontrak", "contract", "pembekal", "supplier*"]),
    ("foreign_official", 4.0, &["foreign public official*", "foreign official*", "pegawai awam asing", "pegawai asing", "pegawai kerajaan asing", "foreign government", "kerajaan asing", "negara jiran", "negara asing", "foreign minister*", "menteri dari negara"]),
    ("money_laundering", 4.0, &["pengubahan wang haram", "money laundering", "launder*", "akaun keldai", "mule account*", "akaun proksi", "syarikat proksi", "proxy account*", "proxy company", "shell company", "shell companies", "syarikat cangkerang"]),
    ("money_laundering", 2.0, &["wang haram", "atas nama orang lain", "nama orang lain", "under his driver's name", "in the name of", "transferred overseas", "cash deposits", "deposit tunai", "menyalurkan wang", "disalurkan", "fake sales", "jualan palsu", "membeli hartanah", "buy property", "bought property", "memindahkan wang itu", "hasil rasuah", "proceeds of corruption", "proceeds of the", "kickback money", "registered under", "didaftarkan atas nama", "atas nama saudara", "supaya tidak dikesan", "to avoid detection", "kecil-kecilan", "structuring", "resold", "dijual semula"]),
    ("money_laundering", 1.0, &["overseas", "luar negara", "membeli rumah", "membeli tanah", "porsche", "ferrari", "lamborghini", "kereta mewah", "luxury car*", "hong kong", "in cash"]),
    ("criminal_breach_of_trust", 4.0, &["pecah amanah", "breach of trust", "menyeleweng*", "penyelewengan", "misappropriat*", "embezzl*", "menggelapkan", "gelapkan", "seleweng*"]),
    ("criminal_breach_of_trust", 2.0, &["entrusted", "diamanahkan", "kegunaan peribadi", "personal use", "own account", "akaun peribadinya", "akaun sendiri", "wang kutipan", "wang caruman", "stock worth", "missing according", "sold them", "menjualnya", "dijual", "wang hilang", "yang hilang", "used the money", "used it to", "tidak direkodkan", "not recorded", "not deposited", "tidak dimasukkan", "tidak memasukkannya", "for his own", "untuk dirinya"]),
    ("criminal_breach_of_trust", 1.0, &["bendahari", "treasurer", "storekeeper", "stor", "store", "caruman", "kutipan", "dana", "fund", "funds", "audit", "missing", "hilang", "finance clerk", "pegawai kewangan", "pegawai akaun", "withdrew", "mengeluarkan wang", "akaun kerajaan", "mengambil wang", "kerani hasil"]),
    ("not_corruption", 2.0, &["kurang ajar", "rude", "jiran", "neighbour", "neighbor", "berlubang", "pothole*", "sampah", "rubbish", "garbage", "cheated by", "online seller", "scam*", "penipuan", "tertipu", "bising", "noise", "tidak puas hati", "tidak berpuas hati", "not satisfied", "unhappy with", "merayu", "appeal", "perkhidmatan", "lambat", "slow service", "very slow", "tidak bersalah", "kecewa", "disappointed", "rosak", "layanan", "gaji", "salary", "majikan", "employer", "kwsp", "epf", "unfair", "tidak adil"]),
    ("not_corruption", 1.0, &["service", "threatened", "parking", "letak kereta", "police report", "laporan polis", "tidak mengambil tindakan", "no action", "never arrived", "blocked me", "menunggu", "waited", "teruk", "terrible", "dikutip", "tidak dikutip"]),
];

/// Cues that are not categories.
#[rustfmt::skip]
const OTHER: &[(Cue, f32, &[&str])] = &[
    (Cue::Generic, 1.0, &["rasuah", "suapan", "sogokan", "suap", "bribe", "bribes", "bribery", "corrupt*", "gratification", "kickback", "duit"]),
    (Cue::PrivateAgent, 1.0, &["sdn bhd", "sdn. bhd.", "private company", "syarikat swasta", "private developer", "employee of", "pekerja syarikat", "purchasing manager", "site manager", "pengurus pembelian", "procurement manager"]),
    (Cue::Foreign, 1.0, &["cambodia", "kemboja", "indonesia", "batam", "thailand", "thai", "hatyai", "hat yai", "vietnam", "myanmar", "philippines", "filipina", "brunei", "laos", "bangladesh", "rupiah", "baht", "riel", "kerajaan thailand", "kerajaan indonesia", "national oil company"]),
    (Cue::Official, 1.0, &["pegawai", "officer", "officers", "official", "officials", "anggota", "penjawat awam", "civil servant", "kakitangan kerajaan", "inspector", "penguatkuasa", "pemeriksa", "kerani", "clerk", "menteri", "minister", "polis", "police"]),
    (Cue::Money, 1.0, &["rm*", "wang", "duit", "cash", "money", "ringgit", "usd*", "bayaran", "payment", "sampul", "envelope"]),
    (Cue::Demand, 1.0, &["kata", "katanya", "told", "said", "says", "suruh", "asked", "wanted", "mahu", "nak", "kena", "minta", "meminta", "bagitau", "beritahu", "memberitahu", "charged", "charges", "mengenakan"]),
    (Cue::Give, 1.0, &["beri", "bagi", "memberi", "gave", "give", "left", "hulur", "menghulur", "menyerahkan", "handed", "paid", "membayar", "dibayar"]),
    (Cue::Family, 1.0, &["isteri", "isterinya", "suami", "suaminya", "anak", "anaknya", "wife", "husband", "son", "daughter", "brother", "sister", "adik", "abang", "kakak", "relatives", "keluarga", "family"]),
    (Cue::Approval, 1.0, &["meluluskan", "lulus", "approved", "approve", "award*", "memberikan kontrak", "appointed", "melantik", "chaired", "mempengerusikan", "mengesahkan", "signed", "menandatangani", "zoning"]),
];

/// Words that negate a cue when they appear shortly before it in the same sentence.
#[rustfmt::skip]
const NEGATORS: &[&str] = &[
    "tidak", "tak", "bukan", "tiada", "tanpa", "belum", "never", "not", "no", "without", "didn't",
    "doesn't", "wasn't", "don't", "nobody", "none", "neither", "nor",
];
/// How many words before a cue a negator may stand ("tiada sesiapa yang meminta").
const NEGATION_WINDOW: usize = 3;

struct Lexicon {
    ac: AhoCorasick,
    /// Per pattern: cue, weight, prefix-match flag.
    meta: Vec<(Cue, f32, bool)>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(build);

fn build() -> Lexicon {
    let mut patterns = Vec::new();
    let mut meta = Vec::new();
    let mut push = |cue: Cue, weight: f32, phrases: &[&str]| {
        for p in phrases {
            let prefix = p.ends_with('*');
            patterns.push(p.trim_end_matches('*').to_owned());
            meta.push((cue, weight, prefix));
        }
    };
    for (code, weight, phrases) in GROUPS {
        let idx = CATEGORIES
            .iter()
            .position(|c| c.code == *code)
            .expect("lexicon category code is in the taxonomy");
        push(Cue::Category(idx), *weight, phrases);
    }
    for (cue, weight, phrases) in OTHER {
        push(*cue, *weight, phrases);
    }
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("lexicon patterns build");
    Lexicon { ac, meta }
}

/// One cue found in the text.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub cue: Cue,
    pub weight: f32,
    pub negated: bool,
}

/// Scores and hits of one complaint.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Per category (index into `taxonomy::CATEGORIES`), negated cues excluded.
    pub scores: Vec<f32>,
    /// Non-negated generic corruption words.
    pub generic: f32,
    pub private_agent: bool,
    pub foreign: f32,
    /// Some sentence names an official and some sentence mentions money.
    pub official_and_money: bool,
    pub hits: Vec<Hit>,
}

impl Scan {
    /// Non-negated hits of one category, strongest first.
    pub fn category_hits(&self, cat: usize) -> impl Iterator<Item = &Hit> {
        self.hits
            .iter()
            .filter(move |h| !h.negated && h.cue == Cue::Category(cat))
    }
}

/// Scans the document once for every cue.
pub fn scan(doc: &Doc) -> Scan {
    let lex = &*LEXICON;
    let mut s = Scan {
        scores: vec![0.0; CATEGORIES.len()],
        generic: 0.0,
        private_agent: false,
        foreign: 0.0,
        official_and_money: false,
        hits: Vec::new(),
    };
    let mut foreign_sentences = Vec::new();
    let mut official_sentences = Vec::new();
    let mut flags = vec![0u8; doc.sentences.len().max(1)];
    for m in lex.ac.find_iter(&doc.lower) {
        let (cue, weight, prefix) = lex.meta[m.pattern().as_usize()];
        if !doc.is_word_at(m.start(), m.end(), prefix) {
            continue;
        }
        let negated = is_negated(doc, m.start());
        s.hits.push(Hit {
            start: m.start(),
            end: m.end(),
            cue,
            weight,
            negated,
        });
        if negated {
            continue;
        }
        match cue {
            Cue::Category(i) => s.scores[i] += weight,
            Cue::Generic => s.generic += weight,
            Cue::PrivateAgent => s.private_agent = true,
            Cue::Foreign => foreign_sentences.push(doc.sentence_of(m.start()).start),
            Cue::Official => official_sentences.push(doc.sentence_of(m.start()).start),
            _ => {}
        }
        if let Some(bit) = flag_bit(cue) {
            flags[doc.sentence_index(m.start())] |= bit;
        }
    }
    apply_combinations(&mut s, &flags);
    // A foreign country alone is no offence (money is often sent to Singapore); a foreign
    // country in the same sentence as an official is the s22 pattern.
    let paired = foreign_sentences
        .iter()
        .filter(|s| official_sentences.contains(s))
        .count();
    s.foreign = foreign_sentences.len() as f32 * 0.5 + paired as f32 * 2.5;
    if let Some(i) = CATEGORIES.iter().position(|c| c.code == "foreign_official") {
        s.scores[i] += s.foreign;
    }
    s
}

const OFFICIAL: u8 = 1;
const MONEY: u8 = 2;
const DEMAND: u8 = 4;
const GIVE: u8 = 8;
const FAMILY: u8 = 16;
const APPROVAL: u8 = 32;

fn flag_bit(cue: Cue) -> Option<u8> {
    match cue {
        Cue::Official => Some(OFFICIAL),
        Cue::Money => Some(MONEY),
        Cue::Demand => Some(DEMAND),
        Cue::Give => Some(GIVE),
        Cue::Family => Some(FAMILY),
        Cue::Approval => Some(APPROVAL),
        _ => None,
    }
}

/// Sentence-level patterns that paraphrases share even when no single phrase is telling:
/// an official + money + asking/telling is a solicitation; money handed to an official is
/// an offer; a decision that benefits the decider's family is abuse of power.
fn apply_combinations(s: &mut Scan, flags: &[u8]) {
    let cat = |code: &str| {
        CATEGORIES
            .iter()
            .position(|c| c.code == code)
            .expect("category in taxonomy")
    };
    let has = |f: u8, bits: u8| f & bits == bits;
    s.official_and_money = has(flags.iter().fold(0, |a, f| a | f), OFFICIAL | MONEY);
    for &f in flags {
        if has(f, OFFICIAL | MONEY | DEMAND) {
            s.scores[cat("solicit_accept_bribe")] += 2.0;
        } else if has(f, OFFICIAL | MONEY | GIVE) {
            s.scores[cat("offer_give_bribe")] += 1.5;
        }
        if has(f, FAMILY | APPROVAL) {
            s.scores[cat("abuse_of_power")] += 2.0;
        }
    }
}

fn is_negated(doc: &Doc, start: usize) -> bool {
    let sentence = doc.sentence_of(start);
    let wi = doc.word_index_at(start);
    (wi.saturating_sub(NEGATION_WINDOW)..wi)
        .filter(|&i| doc.words[i].start >= sentence.start)
        .any(|i| NEGATORS.contains(&doc.word(i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(text: &str) -> &'static str {
        let s = scan(&Doc::new(text));
        let (i, _) = s
            .scores
            .iter()
            .enumerate()
            .fold((0, 0.0), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
        CATEGORIES[i].code
    }

    #[test]
    fn lexicon_builds_with_taxonomy_codes() {
        assert!(!LEXICON.meta.is_empty());
    }

    #[test]
    fn negation_is_respected() {
        let s = scan(&Doc::new(
            "Pegawai itu tidak meminta wang. Perkhidmatan sangat lambat.",
        ));
        assert!(s.hits.iter().any(|h| h.negated));
        assert_eq!(
            top("Pegawai itu tidak meminta wang. Perkhidmatan sangat lambat."),
            "not_corruption"
        );
        assert_eq!(
            top("The officer did not ask for money at first but later demanded RM500."),
            "solicit_accept_bribe"
        );
    }

    #[test]
    fn prefix_patterns_match_inflections() {
        assert_eq!(
            top("The clerk misappropriated the funds entrusted to him."),
            "criminal_breach_of_trust"
        );
    }
}
