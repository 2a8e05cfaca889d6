//! The administrative sub-commands: `user add`, `audit verify`, `desktop publish`, `eval`
//! and `train-enricher` (`blobs migrate` is in [`crate::storage::migrate`]).

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use aduan_api::account::Role;
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::audit::{self, verify, verify::Verdict, AuditKey};
use crate::config::DbArgs;
use crate::db::{self, Database};
use crate::domain::desktop::MAX_SIGNATURE_BYTES;
use crate::service::desktop::NewRelease;
use crate::service::users::NewAccount;
use crate::service::{Error as ServiceError, Services};
use crate::storage::{BlobStore, StoreError};

/// `aduan-server user add NAME --role ROLE`, password from stdin.
pub async fn user_add(
    db_args: &DbArgs,
    name: &str,
    role: &str,
    display: Option<&str>,
) -> anyhow::Result<()> {
    let role = Role::parse(role).context("unknown role")?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let key = AuditKey::load(db_args)?;
    let db = Database::open(db_args).await?;
    let services = Services::for_tool(db.pool.clone(), &key);
    let actor = db::audit::Actor {
        name: Some("command line".into()),
        ..Default::default()
    };
    let account = NewAccount {
        username: name,
        display_name: display.unwrap_or(name),
        role,
        password,
    };
    let created = services.create_user(&actor, account).await;
    if created.is_ok() {
        db::audit::seal_all(&db.pool, &key).await?;
    }
    db.close_tool().await;
    match created {
        Ok(u) => {
            println!("created {} ({})", u.username, u.role.as_str());
            Ok(())
        }
        Err(ServiceError::Conflict { .. }) => bail!("a user named {name} already exists"),
        Err(e) => Err(refusal(e)),
    }
}

/// A refused operation as the command line says it: each invalid field with its reason.
fn refusal(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(fields) => {
            let why: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {}", f.field, f.message))
                .collect();
            anyhow::anyhow!("{}", why.join("; "))
        }
        ServiceError::Conflict { message, .. } => anyhow::anyhow!("{message}"),
        e => e.into(),
    }
}

/// What `aduan-server desktop publish` was given.
pub struct DesktopRelease<'a> {
    pub file: &'a Path,
    pub signature: &'a Path,
    pub version: &'a str,
    pub target: &'a str,
    pub notes: &'a str,
}

/// The largest desktop bundle accepted (an installer is tens of megabytes).
pub const MAX_BUNDLE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// `aduan-server desktop publish FILE --signature SIG --version V --target T`: the bundle
/// into the blob store beside the attachments, then its row and audit entry.
pub async fn desktop_publish(db_args: &DbArgs, r: DesktopRelease<'_>) -> anyhow::Result<()> {
    let mut signature = String::new();
    std::fs::File::open(r.signature)
        .with_context(|| format!("opening the signature {}", r.signature.display()))?
        .take(MAX_SIGNATURE_BYTES as u64 + 1)
        .read_to_string(&mut signature)
        .with_context(|| format!("reading the signature {}", r.signature.display()))?;
    let new = NewRelease::parse(r.target, r.version, &signature, r.notes).map_err(refusal)?;
    let name = r.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let filename = crate::domain::filename::sanitise(name)
        .map_err(|_| anyhow::anyhow!("the file's name has control characters"))?;
    let file = tokio::fs::File::open(r.file)
        .await
        .with_context(|| format!("opening {}", r.file.display()))?;
    let blobs = BlobStore::open(db_args.blob_store.as_ref(), &db_args.data_dir)
        .await
        .context("preparing storage")?;
    let stored = match blobs
        .put(tokio_util::io::ReaderStream::new(file), MAX_BUNDLE_BYTES)
        .await
    {
        Ok(blob) => blob,
        Err(StoreError::Empty) => bail!("{} is empty", r.file.display()),
        Err(e) => return Err(e).with_context(|| format!("storing {}", r.file.display())),
    };
    let key = AuditKey::load(db_args)?;
    let db = Database::open(db_args).await?;
    let services = Services::for_tool(db.pool.clone(), &key);
    let actor = db::audit::Actor {
        name: Some("command line".into()),
        ..Default::default()
    };
    let published = services
        .publish_desktop_release(&actor, new, &stored, &filename)
        .await;
    if published.is_ok() {
        db::audit::seal_all(&db.pool, &key).await?;
    }
    db.close_tool().await;
    let release = published.map_err(refusal)?;
    println!(
        "published {} {} for {} ({} bytes, sha256 {})",
        release.filename, release.version, release.target, release.size_bytes, release.sha256
    );
    Ok(())
}

/// `aduan-server audit verify`: seals what is pending, then walks the chain and compares
/// it with the anchor file and the `extra` anchor sources.
pub async fn audit_verify(db_args: &DbArgs, extra: &[PathBuf]) -> anyhow::Result<bool> {
    let key = AuditKey::load(db_args)?;
    let mut anchors = Vec::new();
    let mut unreadable = Vec::new();
    let file = audit::anchor::path(&db_args.data_dir);
    for source in std::iter::once(&file).chain(extra) {
        let (found, bad) = audit::anchor::read(source)
            .with_context(|| format!("reading anchors from {}", source.display()))?;
        anchors.extend(found);
        unreadable.extend(bad);
    }
    let db = Database::open(db_args).await?;
    let verdict = async {
        db::audit::seal_all(&db.pool, &key).await?;
        verify::verify(&db.pool, &key, &anchors).await
    }
    .await;
    db.close_tool().await;
    for bad in &unreadable {
        println!(
            "warning: {} line {}: an anchor that cannot be read",
            bad.source, bad.line
        );
    }
    Ok(match verdict? {
        Verdict::Intact {
            sealed,
            unsealed,
            anchored,
        } => {
            let anchors = match anchored {
                Some((seq, at)) => format!(
                    "agrees with {} anchors (newest: position {seq} at {at})",
                    anchors.len()
                ),
                None => "no anchors to compare with".into(),
            };
            println!(
                "audit log intact: {sealed} entries chained, {unsealed} not yet sealed; {anchors}"
            );
            unreadable.is_empty()
        }
        Verdict::Broken {
            seq,
            id,
            problem,
            reason,
        } => {
            let entry = id.map(|id| format!(" (entry id {id})")).unwrap_or_default();
            println!(
                "audit log BROKEN at position {seq}{entry}: {}: {reason}",
                problem.as_str()
            );
            false
        }
    })
}

/// `aduan-server analytics rebuild`: recount the dashboard's rollups.
pub async fn analytics_rebuild(db_args: &DbArgs) -> anyhow::Result<()> {
    let db = Database::open(db_args).await?;
    let rows = db::analytics::rebuild(&db.pool).await?;
    println!("dashboard rollups rebuilt: {rows} counts");
    db.close_tool().await;
    Ok(())
}

/// `aduan-server eval --set FILE.jsonl`: the report on stdout.
pub async fn eval(args: &crate::config::EvalArgs) -> anyhow::Result<()> {
    use crate::enrich::eval;
    let set = eval::read_set(&args.set)?;
    let name = args.set.display().to_string();
    let report = eval::evaluate(&name, &set, args.llm.config()?, args.concurrency).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", eval::render(&report));
    }
    Ok(())
}

/// `aduan-server train-enricher`: trains, writes the model, prints what training measured.
pub fn train_enricher(args: &crate::config::TrainArgs) -> anyhow::Result<()> {
    use crate::enrich::builtin::model::train;
    let (model, r) = train::train_dir(&args.corpus)?;
    let bytes = model.to_bytes();
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "{} complaints; held-out (5-fold) accuracy {:.3} (rules alone {:.3}); temperature {:.3}; \
         review below {:.2}: {:.0} % kept at accuracy {:.3}",
        r.complaints,
        r.cv_accuracy,
        r.rules_accuracy,
        r.temperature,
        r.review_below,
        100.0 * r.cv_kept,
        r.cv_precision_kept
    );
    println!("held-out reliability: confidence band, complaints, accuracy");
    for (band, n, acc) in &r.reliability {
        println!("  {band:.1}-{:.1} {n:>5} {acc:.3}", band + 0.1);
    }
    println!(
        "wrote {} ({} bytes, sha256 {})",
        args.out.display(),
        bytes.len(),
        hex::encode(Sha256::digest(&bytes))
    );
    for path in &args.check {
        let set = crate::enrich::eval::read_set(path)?;
        let s = crate::enrich::eval::score_builtin(&model, &set);
        println!(
            "{}: {} complaints, category {:.3}, primary section {:.3}, to review {}, \
             accuracy of the rest {}",
            path.display(),
            s.complaints,
            s.category_accuracy,
            s.section_accuracy,
            s.needs_review,
            s.precision_not_reviewed
                .map_or("-".into(), |p| format!("{p:.3}"))
        );
    }
    Ok(())
}
