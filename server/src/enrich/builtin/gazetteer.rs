//! Agencies, councils, enforcement bodies, states and big towns, and area cues.
//! Sector and area codes refer to `aduan_api::taxonomy`; a test checks they exist.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::text::Doc;

/// A known agency: its display name (`None`: take the words as written, plus the
/// capitalised words that follow, e.g. "Majlis Perbandaran Kajang"), sector and area.
struct Agency {
    phrases: &'static [&'static str],
    name: Option<&'static str>,
    sector: &'static str,
    area: &'static str,
}

const fn ag(
    phrases: &'static [&'static str],
    name: Option<&'static str>,
    sector: &'static str,
    area: &'static str,
) -> Agency {
    Agency {
        phrases,
        name,
        sector,
        area,
    }
}

#[rustfmt::skip]
const AGENCIES: &[Agency] = &[
    ag(&["jpj", "jabatan pengangkutan jalan", "road transport department"], Some("Jabatan Pengangkutan Jalan (JPJ)"), "enforcement", "enforcement"),
    ag(&["pdrm", "polis diraja malaysia", "polis", "police", "polis trafik", "traffic police", "balai polis", "ibu pejabat polis"], Some("Polis Diraja Malaysia (PDRM)"), "enforcement", "enforcement"),
    ag(&["kastam", "customs", "jkdm"], Some("Jabatan Kastam Diraja Malaysia (JKDM)"), "enforcement", "enforcement"),
    ag(&["imigresen", "immigration", "jabatan imigresen"], Some("Jabatan Imigresen Malaysia"), "enforcement", "enforcement"),
    ag(&["apmm", "maritim malaysia", "agensi penguatkuasaan maritim"], Some("Agensi Penguatkuasaan Maritim Malaysia (APMM)"), "enforcement", "enforcement"),
    ag(&["pejabat tanah", "land office", "pejabat tanah dan galian", "ptg", "pejabat daerah dan tanah"], None, "public", "land"),
    ag(&["jabatan kerja raya", "jkr", "public works department"], None, "public", "procurement"),
    ag(&["jabatan pendaftaran negara", "jpn", "national registration department"], Some("Jabatan Pendaftaran Negara (JPN)"), "public", "licensing_permits"),
    ag(&["jabatan pendidikan", "pejabat pendidikan daerah", "education department", "district education office", "state education department"], None, "public", "education"),
    ag(&["hospital", "klinik kesihatan", "kementerian kesihatan", "ministry of health"], None, "public", "health"),
    ag(&["lhdn", "lembaga hasil dalam negeri", "inland revenue"], Some("Lembaga Hasil Dalam Negeri (LHDN)"), "public", "finance_claims"),
    ag(&["suruhanjaya perkhidmatan awam", "public service commission"], Some("Suruhanjaya Perkhidmatan Awam (SPA)"), "public", "recruitment"),
    ag(&["bomba", "fire department"], Some("Jabatan Bomba dan Penyelamat Malaysia"), "public", "licensing_permits"),
    ag(&["majlis perbandaran", "majlis daerah", "majlis bandaraya", "dewan bandaraya", "city council", "municipal council", "district council"], None, "local_authority", "licensing_permits"),
    ag(&["dbkl"], Some("Dewan Bandaraya Kuala Lumpur (DBKL)"), "local_authority", "licensing_permits"),
    ag(&["mbpj"], Some("Majlis Bandaraya Petaling Jaya (MBPJ)"), "local_authority", "licensing_permits"),
    ag(&["mbsa"], Some("Majlis Bandaraya Shah Alam (MBSA)"), "local_authority", "licensing_permits"),
    ag(&["mpkj"], Some("Majlis Perbandaran Kajang (MPKj)"), "local_authority", "licensing_permits"),
    ag(&["ahli majlis", "councillor", "council officer", "pihak berkuasa tempatan", "local authority"], None, "local_authority", "licensing_permits"),
    ag(&["pejabat daerah", "district office"], None, "public", "other"),
    ag(&["kementerian", "ministry of"], None, "public", "other"),
    ag(&["jabatan", "state agency", "agensi negeri"], None, "public", "other"),
    ag(&["tenaga nasional", "tnb"], Some("Tenaga Nasional Berhad (TNB)"), "glc", "procurement"),
    ag(&["pos malaysia", "pejabat pos"], None, "glc", "other"),
    ag(&["petronas"], Some("Petronas"), "glc", "procurement"),
    ag(&["felda"], Some("FELDA"), "glc", "land"),
    ag(&["glc", "syarikat berkaitan kerajaan", "government-linked"], None, "glc", "other"),
    ag(&["ahli parlimen", "member of parliament", "adun", "state assemblyman", "wakil rakyat", "ahli dewan undangan negeri", "political party", "ketua bahagian"], None, "political", "other"),
];

/// Area cues beyond what the agency implies.
#[rustfmt::skip]
const AREA_CUES: &[(&str, &[&str])] = &[
    ("procurement", &["tender", "sebut harga", "quotation", "perolehan", "procurement", "kontrak", "contract", "pembekal", "supplier", "bekalan", "supply"]),
    ("enforcement", &["saman", "summons", "kompaun", "compound", "sekatan jalan", "roadblock", "ditahan", "impound", "serbuan", "raid", "fined"]),
    ("licensing_permits", &["lesen", "licence", "license", "permit", "permits", "kelulusan pelan", "building plan", "ccc", "kad pengenalan", "approval"]),
    ("land", &["tanah", "land", "geran", "hakmilik", "pindah milik", "lot"]),
    ("finance_claims", &["tuntutan", "claim", "claims", "elaun", "allowance", "dana", "fund", "caruman", "kutipan", "cukai", "akaun"]),
    ("recruitment", &["jawatan", "pengambilan", "recruitment", "hired", "temuduga", "interview", "kenaikan pangkat", "promotion"]),
    ("education", &["sekolah", "school", "universiti", "university", "pelajar", "student", "biasiswa", "asrama"]),
    ("health", &["hospital", "klinik", "clinic", "ubat", "medicine", "medical", "pesakit", "patient"]),
];

/// States (canonical names from the taxonomy) and the spellings and towns that imply them.
#[rustfmt::skip]
const PLACES: &[(&str, &[&str])] = &[
    ("Johor", &["johor", "johor bahru", "batu pahat", "muar", "kluang", "segamat", "pasir gudang", "kulai"]),
    ("Kedah", &["kedah", "alor setar", "sungai petani", "langkawi", "kulim", "gurun"]),
    ("Kelantan", &["kelantan", "kota bharu", "pasir mas", "tanah merah"]),
    ("Melaka", &["melaka", "malacca", "alor gajah", "jasin", "ayer keroh"]),
    ("Negeri Sembilan", &["negeri sembilan", "seremban", "nilai", "port dickson"]),
    ("Pahang", &["pahang", "kuantan", "temerloh", "bentong", "cameron highlands"]),
    ("Perak", &["perak", "ipoh", "taiping", "teluk intan", "manjung", "seri manjung"]),
    ("Perlis", &["perlis", "kangar", "arau", "padang besar"]),
    ("Pulau Pinang", &["pulau pinang", "penang", "george town", "georgetown", "butterworth", "bukit mertajam"]),
    ("Sabah", &["sabah", "kota kinabalu", "sandakan", "tawau", "lahad datu"]),
    ("Sarawak", &["sarawak", "kuching", "miri", "sibu", "bintulu"]),
    ("Selangor", &["selangor", "shah alam", "petaling jaya", "klang", "pelabuhan klang", "port klang", "kajang", "subang jaya", "ampang", "bangi", "bandar baru bangi", "hulu selangor", "sepang", "klia", "rawang", "puchong", "cyberjaya", "selayang", "taman melawati", "gombak"]),
    ("Terengganu", &["terengganu", "kuala terengganu", "kemaman", "dungun"]),
    ("WP Kuala Lumpur", &["kuala lumpur", "kl", "cheras", "sungai besi", "jalan tun razak", "bangsar", "kepong", "wilayah persekutuan kuala lumpur"]),
    ("WP Labuan", &["labuan"]),
    ("WP Putrajaya", &["putrajaya"]),
];

#[derive(Clone, Copy)]
enum Entry {
    Agency(usize),
    Area(usize),
    Place(usize),
}

struct Gazetteer {
    ac: AhoCorasick,
    entries: Vec<Entry>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut patterns: Vec<&str> = Vec::new();
    let mut entries = Vec::new();
    for (i, a) in AGENCIES.iter().enumerate() {
        patterns.extend(a.phrases);
        entries.extend(a.phrases.iter().map(|_| Entry::Agency(i)));
    }
    for (i, (_, cues)) in AREA_CUES.iter().enumerate() {
        patterns.extend(*cues);
        entries.extend(cues.iter().map(|_| Entry::Area(i)));
    }
    for (i, (_, names)) in PLACES.iter().enumerate() {
        patterns.extend(*names);
        entries.extend(names.iter().map(|_| Entry::Place(i)));
    }
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("gazetteer patterns build");
    Gazetteer { ac, entries }
});

/// An agency mention.
#[derive(Debug, Clone)]
pub struct AgencyHit {
    pub name: String,
    pub sector: &'static str,
    pub area: &'static str,
}

/// A place mention resolved to a state.
#[derive(Debug, Clone)]
pub struct PlaceHit {
    pub text: String,
    pub state: &'static str,
}

/// What the gazetteer found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub agencies: Vec<AgencyHit>,
    pub places: Vec<PlaceHit>,
    /// Cue counts per area code.
    pub areas: Vec<(&'static str, f32)>,
}

/// Scans the document for agencies, places and area cues.
pub fn scan(doc: &Doc) -> Found {
    let g = &*GAZETTEER;
    let mut found = Found {
        areas: AREA_CUES.iter().map(|(a, _)| (*a, 0.0)).collect(),
        ..Found::default()
    };
    for m in g.ac.find_iter(&doc.lower) {
        if !doc.is_word_at(m.start(), m.end(), false) {
            continue;
        }
        match g.entries[m.pattern().as_usize()] {
            Entry::Agency(i) => {
                let a = &AGENCIES[i];
                let name = match a.name {
                    Some(n) => n.to_owned(),
                    None => with_proper_name(doc.text, m.start(), m.end()),
                };
                found.agencies.push(AgencyHit {
                    name,
                    sector: a.sector,
                    area: a.area,
                });
            }
            Entry::Area(i) => found.areas[i].1 += 1.0,
            Entry::Place(i) => {
                // "KL" must be written in capitals to count: "kl" is too short to trust.
                let text = &doc.text[m.start()..m.end()];
                if (text.len() <= 3 && text != text.to_ascii_uppercase())
                    || is_street(&doc.lower[..m.start()])
                {
                    continue;
                }
                found.places.push(PlaceHit {
                    text: with_proper_name(doc.text, m.start(), m.end()),
                    state: PLACES[i].0,
                });
            }
        }
    }
    found
}

/// "Jalan Kuching" is a road in Kuala Lumpur, not the town in Sarawak.
fn is_street(before: &str) -> bool {
    const STREET: &[&str] = &[
        "jalan ",
        "jln ",
        "jln. ",
        "lorong ",
        "lebuh ",
        "persiaran ",
        "lebuhraya ",
        "taman ",
    ];
    STREET.iter().any(|s| before.ends_with(s))
}

/// The matched words plus up to four following capitalised words ("Daerah Kuantan").
fn with_proper_name(text: &str, start: usize, end: usize) -> String {
    let mut stop = end;
    let mut rest = &text[end..];
    for _ in 0..4 {
        let trimmed = rest.trim_start_matches(' ');
        let word_len = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
            .unwrap_or(trimmed.len());
        let word = &trimmed[..word_len];
        if word.is_empty()
            || !word.starts_with(|c: char| c.is_uppercase())
            || rest.len() - trimmed.len() != 1
        {
            break;
        }
        stop += 1 + word_len;
        rest = &trimmed[word_len..];
    }
    text[start..stop].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aduan_api::taxonomy::{has_code, is_state, AREAS, SECTORS};

    #[test]
    fn codes_exist_in_taxonomy() {
        for a in AGENCIES {
            assert!(
                has_code(SECTORS, a.sector) && has_code(AREAS, a.area),
                "{:?}",
                a.phrases
            );
        }
        for (a, _) in AREA_CUES {
            assert!(has_code(AREAS, a));
        }
        for (s, _) in PLACES {
            assert!(is_state(s), "{s}");
        }
    }

    #[test]
    fn street_names_are_not_towns() {
        let f = scan(&Doc::new(
            "at the roadblock near Jalan Kuching, Kuala Lumpur",
        ));
        assert_eq!(f.places[0].state, "WP Kuala Lumpur");
    }

    #[test]
    fn finds_council_with_its_name_and_town() {
        let doc = Doc::new("Pegawai Majlis Perbandaran Kajang di Bangi meminta wang.");
        let f = scan(&doc);
        assert_eq!(f.agencies[0].name, "Majlis Perbandaran Kajang");
        assert_eq!(f.agencies[0].sector, "local_authority");
        assert!(f.places.iter().all(|p| p.state == "Selangor") && !f.places.is_empty());
    }
}
