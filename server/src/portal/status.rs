//! The reporter's view of where their report stands, from the complaint's case.

use aduan_api::case::CaseStatus;
use aduan_api::portal::ReporterStatus;

/// The status a reporter sees: `received` until the complaint is in a case, then the
/// case's stage in plain words (no further action reads as closed).
pub fn for_reporter(case: Option<CaseStatus>) -> ReporterStatus {
    match case {
        None => ReporterStatus::Received,
        Some(CaseStatus::Evaluation) => ReporterStatus::UnderEvaluation,
        Some(CaseStatus::Investigation) => ReporterStatus::UnderInvestigation,
        Some(CaseStatus::Referred) => ReporterStatus::Referred,
        Some(CaseStatus::Nfa) | Some(CaseStatus::Closed) => ReporterStatus::Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_status_has_a_plain_word() {
        assert_eq!(for_reporter(None), ReporterStatus::Received);
        assert_eq!(
            for_reporter(Some(CaseStatus::Investigation)),
            ReporterStatus::UnderInvestigation
        );
        assert_eq!(for_reporter(Some(CaseStatus::Nfa)), ReporterStatus::Closed);
    }
}
