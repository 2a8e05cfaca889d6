//! The enrichment taxonomy: categories, Acts and their sections, sectors, areas, states,
//! languages and person roles (see `shared/DOMAIN.md`).
//!
//! This is the ONE table. The LLM prompt, the strict JSON schema's enums, the validator,
//! the builtin enricher and the UI labels all read it, so a domain expert correcting a
//! section title or adding a category does it here and nowhere else. The Penal Code,
//! Akta 613 and s17A rows have not yet been checked against the official texts.

use serde::Serialize;

/// A complaint category (`classification.category`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Category {
    pub code: &'static str,
    pub label_ms: &'static str,
    pub label_en: &'static str,
    /// What the category means, as told to the LLM and shown to officers.
    pub meaning: &'static str,
    /// Whether complaints in this category are corruption matters at all.
    pub corruption_related: bool,
    /// Typical `(act code, section code)` pairs, the first being the primary one.
    pub sections: &'static [(&'static str, &'static str)],
}

/// A section of an Act (`legal[].section`), e.g. `16(a)`, `17A`, `409`, `4(1)`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Section {
    pub code: &'static str,
    pub title: &'static str,
}

/// An Act (`legal[].act`) and the sections of it that Aduan uses.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Act {
    pub code: &'static str,
    pub name: &'static str,
    pub short_name: &'static str,
    pub sections: &'static [Section],
}

/// A plain coded value with Malay and English labels (sectors, areas, languages, roles).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Code {
    pub code: &'static str,
    pub label_ms: &'static str,
    pub label_en: &'static str,
}

const fn code(code: &'static str, label_ms: &'static str, label_en: &'static str) -> Code {
    Code {
        code,
        label_ms,
        label_en,
    }
}

const fn sec(code: &'static str, title: &'static str) -> Section {
    Section { code, title }
}

/// Act code of the MACC Act 2009 (Akta 694).
pub const MACC_ACT: &str = "akta_694";
/// Act code of the Penal Code (Akta 574).
pub const PENAL_CODE: &str = "penal_code";
/// Act code of the Anti-Money Laundering Act (Akta 613).
pub const AMLA: &str = "akta_613";

/// All categories, in the order officers see them.
pub const CATEGORIES: &[Category] = &[
    Category { code: "solicit_accept_bribe", label_ms: "Meminta/menerima suapan", label_en: "Soliciting/accepting a bribe",
        meaning: "An official or an agent asks for or takes gratification (money, gifts, favours) to do or not do something.",
        corruption_related: true, sections: &[(MACC_ACT, "16(a)"), (MACC_ACT, "17(a)")] },
    Category { code: "offer_give_bribe", label_ms: "Menawar/memberi suapan", label_en: "Offering/giving a bribe",
        meaning: "Someone offers, promises or gives gratification to an official or an agent.",
        corruption_related: true, sections: &[(MACC_ACT, "16(b)"), (MACC_ACT, "17(b)")] },
    Category { code: "false_claim", label_ms: "Tuntutan palsu", label_en: "False claim",
        meaning: "False documents, invoices or claims (travel, overtime, allowances, supplies) used to deceive the principal or employer.",
        corruption_related: true, sections: &[(MACC_ACT, "18")] },
    Category { code: "abuse_of_power", label_ms: "Salah guna kuasa", label_en: "Abuse of power",
        meaning: "A public official uses his office or position for gratification for himself, his relatives or associates (e.g. awarding work to a family company).",
        corruption_related: true, sections: &[(MACC_ACT, "23")] },
    Category { code: "corporate_liability", label_ms: "Liabiliti korporat", label_en: "Corporate liability",
        meaning: "A person associated with a commercial organisation gives gratification to obtain or retain business or an advantage for that organisation.",
        corruption_related: true, sections: &[(MACC_ACT, "17A"), (MACC_ACT, "16(b)")] },
    Category { code: "tender_procurement", label_ms: "Rasuah tender/perolehan", label_en: "Tender/procurement corruption",
        meaning: "Rigged tenders or quotations, leaked prices, bid rigging, corruptly procuring the withdrawal of a tender.",
        corruption_related: true, sections: &[(MACC_ACT, "20"), (MACC_ACT, "16(a)")] },
    Category { code: "foreign_official", label_ms: "Pegawai awam asing", label_en: "Foreign public official",
        meaning: "Bribery of an official of a foreign government or public international organisation.",
        corruption_related: true, sections: &[(MACC_ACT, "22")] },
    Category { code: "money_laundering", label_ms: "Pengubahan wang haram", label_en: "Money laundering",
        meaning: "Proceeds of corruption hidden or moved through proxy accounts, companies, property or overseas transfers.",
        corruption_related: true, sections: &[(AMLA, "4(1)")] },
    Category { code: "criminal_breach_of_trust", label_ms: "Pecah amanah", label_en: "Criminal breach of trust",
        meaning: "A public servant or agent misappropriates money or property entrusted to him.",
        corruption_related: true, sections: &[(PENAL_CODE, "409")] },
    Category { code: "not_corruption", label_ms: "Bukan rasuah", label_en: "Not corruption",
        meaning: "Service complaints, disputes, ordinary crime or police matters: refer to the right agency.",
        corruption_related: false, sections: &[] },
    Category { code: "insufficient_information", label_ms: "Maklumat tidak mencukupi", label_en: "Insufficient information",
        meaning: "The text is too thin or vague to assess.",
        corruption_related: false, sections: &[] },
];

/// All Acts with the sections Aduan uses.
pub const ACTS: &[Act] = &[
    Act { code: MACC_ACT, name: "Akta Suruhanjaya Pencegahan Rasuah Malaysia 2009 (Akta 694)", short_name: "Akta SPRM 2009", sections: &[
        sec("16(a)", "Accepting gratification (soliciting/receiving)"),
        sec("16(b)", "Giving gratification (promising/offering/giving)"),
        sec("17(a)", "Agent accepting gratification"),
        sec("17(b)", "Giving gratification to an agent"),
        sec("17A", "Offence by commercial organisation"),
        sec("18", "Intending to deceive principal (false claim)"),
        sec("20", "Corruptly procuring withdrawal of tender"),
        sec("21", "Bribery of officer of public body"),
        sec("22", "Bribery of foreign public official"),
        sec("23", "Using office or position for gratification"),
        sec("25", "Duty to report bribery transactions"),
        sec("26", "Dealing with, using, holding, receiving or concealing gratification"),
        sec("27", "False statement to the Commission"),
        sec("28", "Attempt, abetment and criminal conspiracy"),
    ] },
    Act { code: PENAL_CODE, name: "Kanun Keseksaan (Akta 574)", short_name: "Kanun Keseksaan", sections: &[
        sec("161", "Public servant taking gratification other than legal remuneration"),
        sec("162", "Taking gratification to influence a public servant"),
        sec("163", "Taking gratification for exercise of personal influence"),
        sec("164", "Public servant abetting offences under 162/163"),
        sec("165", "Public servant obtaining valuable thing without consideration"),
        sec("403", "Dishonest misappropriation of property"),
        sec("405", "Criminal breach of trust (definition)"),
        sec("406", "Punishment for criminal breach of trust"),
        sec("409", "Criminal breach of trust by public servant or agent"),
        sec("415", "Cheating (definition)"),
        sec("417", "Punishment for cheating"),
        sec("420", "Cheating and dishonestly inducing delivery of property"),
        sec("468", "Forgery for the purpose of cheating"),
        sec("471", "Using as genuine a forged document"),
        sec("477A", "Falsification of accounts"),
    ] },
    Act { code: AMLA, name: "Akta Pencegahan Pengubahan Wang Haram, Pencegahan Pembiayaan Keganasan dan Hasil daripada Aktiviti Haram 2001 (Akta 613)", short_name: "AMLATFPUAA 2001", sections: &[
        sec("4(1)", "Offence of money laundering"),
    ] },
    Act { code: "akta_711", name: "Akta Perlindungan Pemberi Maklumat 2010 (Akta 711)", short_name: "Whistleblower Protection Act 2010", sections: &[
        sec("6", "Disclosure of improper conduct"),
        sec("7", "Protection conferred"),
        sec("8", "Confidential information"),
        sec("10", "Protection against detrimental action"),
    ] },
];

/// `sector.sector` codes.
pub const SECTORS: &[Code] = &[
    code(
        "public",
        "Sektor awam (kementerian, jabatan, badan berkanun)",
        "Public sector (ministries, departments, statutory bodies)",
    ),
    code(
        "local_authority",
        "Pihak berkuasa tempatan",
        "Local authority",
    ),
    code("enforcement", "Agensi penguatkuasaan", "Enforcement agency"),
    code(
        "glc",
        "Syarikat berkaitan kerajaan (GLC)",
        "Government-linked company",
    ),
    code("private", "Sektor swasta", "Private sector"),
    code("political", "Politik", "Political"),
    code("public_member", "Orang awam", "Member of the public"),
];

/// `sector.area` codes.
pub const AREAS: &[Code] = &[
    code("procurement", "Perolehan", "Procurement"),
    code("enforcement", "Penguatkuasaan", "Enforcement"),
    code(
        "licensing_permits",
        "Lesen dan permit",
        "Licensing and permits",
    ),
    code("land", "Tanah", "Land"),
    code(
        "finance_claims",
        "Kewangan dan tuntutan",
        "Finance and claims",
    ),
    code("recruitment", "Pengambilan", "Recruitment"),
    code("education", "Pendidikan", "Education"),
    code("health", "Kesihatan", "Health"),
    code("other", "Lain-lain", "Other"),
];

/// The 16 states and federal territories, as stored in `five_w1h.where.state`.
pub const STATES: &[&str] = &[
    "Johor",
    "Kedah",
    "Kelantan",
    "Melaka",
    "Negeri Sembilan",
    "Pahang",
    "Perak",
    "Perlis",
    "Pulau Pinang",
    "Sabah",
    "Sarawak",
    "Selangor",
    "Terengganu",
    "WP Kuala Lumpur",
    "WP Labuan",
    "WP Putrajaya",
];

/// `language` codes.
pub const LANGUAGES: &[Code] = &[
    code("ms", "Bahasa Melayu", "Malay"),
    code("en", "Bahasa Inggeris", "English"),
    code("mixed", "Campuran", "Mixed"),
];

/// `five_w1h.who[].role` codes.
pub const ROLES: &[Code] = &[
    code("suspect", "Suspek", "Suspect"),
    code("victim", "Mangsa", "Victim"),
    code("witness", "Saksi", "Witness"),
    code("complainant", "Pengadu", "Complainant"),
    code("organisation", "Organisasi", "Organisation"),
];

/// Looks up a category by code.
pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

/// Looks up an Act by code.
pub fn act(code: &str) -> Option<&'static Act> {
    ACTS.iter().find(|a| a.code == code)
}

/// Looks up a section of an Act; `None` if the Act is unknown or the section is not its own.
pub fn section(act_code: &str, section_code: &str) -> Option<&'static Section> {
    act(act_code)?
        .sections
        .iter()
        .find(|s| s.code == section_code)
}

/// Whether `code` is one of `codes`.
pub fn has_code(codes: &[Code], code: &str) -> bool {
    codes.iter().any(|c| c.code == code)
}

/// Whether `name` is one of the 16 state names exactly as in [`STATES`].
pub fn is_state(name: &str) -> bool {
    STATES.contains(&name)
}

/// The whole taxonomy as JSON, for the UI's labels and pickers.
pub fn taxonomy_json() -> serde_json::Value {
    serde_json::json!({
        "categories": CATEGORIES,
        "acts": ACTS,
        "sectors": SECTORS,
        "areas": AREAS,
        "states": STATES,
        "languages": LANGUAGES,
        "roles": ROLES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_typical_section_belongs_to_its_act() {
        for c in CATEGORIES {
            for (act, sec) in c.sections {
                assert!(section(act, sec).is_some(), "{}: {act} {sec}", c.code);
            }
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut cats: Vec<_> = CATEGORIES.iter().map(|c| c.code).collect();
        cats.sort_unstable();
        cats.dedup();
        assert_eq!(cats.len(), CATEGORIES.len());
        assert_eq!(STATES.len(), 16);
    }

    #[test]
    fn json_has_every_table() {
        let v = taxonomy_json();
        assert_eq!(v["categories"].as_array().unwrap().len(), CATEGORIES.len());
        assert_eq!(v["acts"][0]["sections"][0]["code"], "16(a)");
    }

    /// The UI reads its labels from `ui/src/lib/gen/taxonomy.json`; regenerate it here
    /// and fail when the committed copy was stale, so a taxonomy edit reaches the UI.
    #[test]
    fn ui_taxonomy_json_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../ui/src/lib/gen/taxonomy.json"
        );
        let want = serde_json::to_string_pretty(&taxonomy_json()).unwrap() + "\n";
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if have != want {
            std::fs::write(path, &want).unwrap();
            panic!("{path} was stale and has been regenerated; commit it");
        }
    }
}
