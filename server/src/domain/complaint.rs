use aduan_api::complaint::{Channel, Complainant, ComplaintInput};
use chrono::{Duration, NaiveDate, Utc};

use super::FieldError;

/// Longest description accepted, in characters (a long letter fits; a novel does not).
pub const MAX_DESCRIPTION_CHARS: usize = 50_000;
/// Longest name, contact detail, address, place or agency accepted, in characters.
pub const MAX_SHORT_FIELD_CHARS: usize = 500;

/// A complaint that passed validation: description present and trimmed, no identity on an
/// anonymous complaint, optional texts trimmed to `None` when blank.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewComplaint {
    pub channel: Channel,
    pub description: String,
    pub anonymous: bool,
    pub complainant: Option<Complainant>,
    pub incident_date: Option<NaiveDate>,
    pub location: Option<String>,
    pub subject_agency: Option<String>,
}

impl NewComplaint {
    /// Check everything at once, so the client sees every problem in one reply.
    pub fn parse(input: ComplaintInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let description = input.description.trim().to_string();
        if description.is_empty() {
            errors.push(FieldError::new("description", "is required"));
        } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new(
                "description",
                format!("is longer than {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        if description.contains('\0') {
            errors.push(FieldError::new("description", "contains a NUL character"));
        }
        let anonymous = input.anonymous.unwrap_or(false);
        let complainant = input.complainant.map(clean_complainant).filter(has_any);
        if anonymous && complainant.is_some() {
            errors.push(FieldError::new(
                "complainant",
                "must be empty for an anonymous complaint",
            ));
        }
        if let Some(c) = &complainant {
            check_complainant(c, &mut errors);
        }
        if let Some(date) = input.incident_date {
            // A day of slack: the clerk's calendar may be ahead of UTC (Malaysia is UTC+8).
            if date > Utc::now().date_naive() + Duration::days(1) {
                errors.push(FieldError::new("incident_date", "is in the future"));
            }
        }
        let location = short_text("location", input.location, &mut errors);
        let subject_agency = short_text("subject_agency", input.subject_agency, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewComplaint {
            channel: input.channel,
            description,
            anonymous,
            complainant,
            incident_date: input.incident_date,
            location,
            subject_agency,
        })
    }
}

fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn clean_complainant(c: Complainant) -> Complainant {
    Complainant {
        name: clean(c.name),
        id_number: clean(c.id_number),
        phone: clean(c.phone),
        email: clean(c.email),
        address: clean(c.address),
    }
}

fn has_any(c: &Complainant) -> bool {
    c.name.is_some()
        || c.id_number.is_some()
        || c.phone.is_some()
        || c.email.is_some()
        || c.address.is_some()
}

fn check_complainant(c: &Complainant, errors: &mut Vec<FieldError>) {
    let fields = [
        ("complainant.name", &c.name),
        ("complainant.id_number", &c.id_number),
        ("complainant.phone", &c.phone),
        ("complainant.email", &c.email),
        ("complainant.address", &c.address),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            if v.chars().count() > MAX_SHORT_FIELD_CHARS {
                errors.push(FieldError::new(name, "is too long"));
            }
            if v.chars().any(char::is_control) && name != "complainant.address" {
                errors.push(FieldError::new(name, "contains control characters"));
            }
        }
    }
    if let Some(email) = &c.email {
        let ok = email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !ok {
            errors.push(FieldError::new(
                "complainant.email",
                "is not an e-mail address",
            ));
        }
    }
    if let Some(phone) = &c.phone {
        let ok = phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch));
        if !ok {
            errors.push(FieldError::new(
                "complainant.phone",
                "is not a phone number",
            ));
        }
    }
}

fn short_text(field: &str, value: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = clean(value)?;
    if value.chars().count() > MAX_SHORT_FIELD_CHARS {
        errors.push(FieldError::new(field, "is too long"));
    }
    if value.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "contains control characters"));
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(description: &str) -> ComplaintInput {
        ComplaintInput {
            channel: Channel::WalkIn,
            description: description.into(),
            anonymous: None,
            complainant: None,
            incident_date: None,
            location: None,
            subject_agency: None,
        }
    }

    #[test]
    fn blank_description_is_refused() {
        let errs = NewComplaint::parse(input("   \n ")).unwrap_err();
        assert_eq!(errs, vec![FieldError::new("description", "is required")]);
    }

    #[test]
    fn anonymous_with_identity_is_refused() {
        let mut i = input("Pegawai meminta wang");
        i.anonymous = Some(true);
        i.complainant = Some(Complainant {
            name: Some("Ali".into()),
            ..Default::default()
        });
        let errs = NewComplaint::parse(i).unwrap_err();
        assert_eq!(errs[0].field, "complainant");
    }

    #[test]
    fn anonymous_with_blank_identity_is_accepted() {
        let mut i = input("Pegawai meminta wang");
        i.anonymous = Some(true);
        i.complainant = Some(Complainant {
            name: Some("  ".into()),
            ..Default::default()
        });
        let c = NewComplaint::parse(i).unwrap();
        assert!(c.anonymous && c.complainant.is_none());
    }

    #[test]
    fn future_incident_and_bad_email_are_both_reported() {
        let mut i = input("x");
        i.incident_date = Some(Utc::now().date_naive() + Duration::days(30));
        i.complainant = Some(Complainant {
            email: Some("not-an-email".into()),
            ..Default::default()
        });
        let fields: Vec<_> = NewComplaint::parse(i)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["complainant.email", "incident_date"]);
    }
}
