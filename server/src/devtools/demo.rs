//! `--demo`: demo accounts (passwords printed once) and a few sample complaints, so a fresh
//! installation can be tried at once. Never runs without the flag.

use aduan_api::account::Role;
use aduan_api::complaint::{Channel, ComplaintInput};
use sqlx::PgPool;

use crate::db::{self, audit::Actor};
use crate::domain::complaint::NewComplaint;

const SAMPLES: &[(Channel, &str)] = &[
    (Channel::WalkIn, "Pegawai JPJ di Shah Alam meminta RM500 duit kopi untuk meluluskan lesen memandu saya minggu lepas. Dia berkata permohonan akan ditolak jika saya tidak membayar."),
    (Channel::Phone, "A contractor told me he paid RM20,000 to an officer of the district council so that his company would win the road tender in Kuantan, Pahang."),
    (Channel::Email, "Saya ingin melaporkan bahawa seorang pegawai kastam di Pelabuhan Klang menerima wang tunai daripada ejen untuk melepaskan kontena tanpa pemeriksaan."),
    (Channel::Letter, "Pengarah jabatan itu menggunakan kedudukannya untuk memberikan kontrak pembersihan kepada syarikat milik adiknya pada bulan Mac 2025."),
    (Channel::Web, "The clerk at the land office delayed my application for months and was rude, but nobody asked me for money."),
];

/// Create the demo users that do not exist yet, printing each new password once, and
/// sample complaints when there are none.
pub async fn seed(pool: &PgPool, max_attempts: i32) -> anyhow::Result<()> {
    let mut intake_user = None;
    for (name, display, role) in [
        ("admin", "Pentadbir Demo", Role::Admin),
        ("officer", "Pegawai Demo", Role::Officer),
        ("intake", "Kaunter Demo", Role::Intake),
    ] {
        let password = crate::auth::random_password();
        let hash = crate::auth::hash_password(&password);
        let mut conn = pool.acquire().await?;
        if let Some(u) = db::users::create(&mut conn, name, display, role, &hash).await? {
            println!("demo user created: {name} / {password} ({})", role.as_str());
            if role == Role::Intake {
                intake_user = Some(u);
            }
        }
    }
    let none_yet: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM complaints)")
        .fetch_one(pool)
        .await?;
    if let (true, Some(user)) = (none_yet, intake_user) {
        let actor = Actor {
            id: Some(user.id),
            name: Some(user.username.clone()),
            ..Default::default()
        };
        for (channel, text) in SAMPLES {
            let input = ComplaintInput {
                channel: *channel,
                description: (*text).to_string(),
                anonymous: None,
                complainant: None,
                incident_date: None,
                location: None,
                subject_agency: None,
            };
            let complaint =
                NewComplaint::parse(input).map_err(|e| anyhow::anyhow!("sample invalid: {e:?}"))?;
            let submission = db::intake::Submission {
                complaint,
                files: Vec::new(),
                actor: actor.clone(),
                idempotency: None,
                portal: None,
            };
            db::intake::insert(pool, &submission, max_attempts).await?;
        }
        println!("{} sample complaints entered as `intake`", SAMPLES.len());
    }
    Ok(())
}
