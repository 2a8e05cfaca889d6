use clap::Parser;
use tokio::net::TcpListener;

use aduan_server::config::{
    AnalyticsCommand, AuditCommand, BlobsCommand, Cli, Command, DesktopCommand, UserCommand,
};
use aduan_server::{db, installed, telemetry, Application};

// Every request, job and provider reply allocates and frees many small JSON and SQL
// buffers across the runtime's threads; mimalloc's per-thread free lists cost less CPU
// there than glibc's malloc (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // The environment is set, and the user changed, before the runtime starts any thread.
    if let Some(path) = installed::env_file() {
        installed::load_env_file(&path)?;
    }
    let cli = Cli::parse();
    if let Some(dir) = data_dir(&cli) {
        installed::become_owner_of(&dir)?;
    }
    tokio::runtime::Runtime::new()?.block_on(run(cli))
}

/// The data dir the command works on, if it has one.
fn data_dir(cli: &Cli) -> Option<std::path::PathBuf> {
    let db = match &cli.command {
        None => &cli.serve.db,
        Some(Command::Serve(args)) => &args.db,
        Some(Command::Migrate(db)) => db,
        Some(Command::User(UserCommand::Add { db, .. })) => db,
        Some(Command::Audit(AuditCommand::Verify { db, .. })) => db,
        Some(Command::Desktop(DesktopCommand::Publish { db, .. })) => db,
        Some(Command::Blobs(BlobsCommand::Migrate { db, .. })) => db,
        Some(Command::Analytics(AnalyticsCommand::Rebuild { db })) => db,
        Some(Command::Backup(args)) => &args.db,
        Some(Command::Restore(args)) => &args.db,
        // Its database options serve only to remove its complaints afterwards.
        Some(Command::Loadtest(args)) if !args.keep => &args.db,
        Some(Command::Loadtest(_)) => return None,
        Some(Command::LlmSim(_))
        | Some(Command::EnvTemplate { .. })
        | Some(Command::Eval(_))
        | Some(Command::TrainEnricher(_)) => return None,
    };
    Some(db.data_dir.clone())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Migrate(args)) => {
            telemetry::init(Default::default());
            let db = db::Database::open(&args).await?;
            tracing::info!("migrations applied");
            db.close_tool().await;
            Ok(())
        }
        Some(Command::User(UserCommand::Add {
            name,
            role,
            display_name,
            db,
        })) => aduan_server::cli::user_add(&db, &name, &role, display_name.as_deref()).await,
        Some(Command::Audit(AuditCommand::Verify { db, anchors })) => {
            if !aduan_server::cli::audit_verify(&db, &anchors).await? {
                std::process::exit(1);
            }
            Ok(())
        }
        Some(Command::EnvTemplate { set }) => {
            print!("{}", installed::env_template(&set));
            Ok(())
        }
        Some(Command::Desktop(DesktopCommand::Publish {
            file,
            signature,
            version,
            target,
            notes,
            db,
        })) => {
            let release = aduan_server::cli::DesktopRelease {
                file: &file,
                signature: &signature,
                version: &version,
                target: &target,
                notes: &notes,
            };
            aduan_server::cli::desktop_publish(&db, release).await
        }
        Some(Command::Blobs(BlobsCommand::Migrate { to, db })) => {
            telemetry::init(Default::default());
            aduan_server::storage::migrate::migrate(&db, &to)
                .await
                .map(drop)
        }
        Some(Command::Analytics(AnalyticsCommand::Rebuild { db })) => {
            telemetry::init(Default::default());
            aduan_server::cli::analytics_rebuild(&db).await
        }
        Some(Command::Backup(args)) => {
            telemetry::init(Default::default());
            aduan_server::backup::backup(&args).await.map(drop)
        }
        Some(Command::Restore(args)) => {
            telemetry::init(Default::default());
            aduan_server::backup::restore(&args).await.map(drop)
        }
        Some(Command::Loadtest(args)) => aduan_server::loadtest::run(&args).await,
        Some(Command::Eval(args)) => aduan_server::cli::eval(&args).await,
        Some(Command::TrainEnricher(args)) => aduan_server::cli::train_enricher(&args),
        Some(Command::LlmSim(cfg)) => {
            telemetry::init(Default::default());
            let listener = TcpListener::bind(cfg.listen).await?;
            aduan_server::devtools::llm_sim::serve(cfg, listener, shutdown_signal()).await
        }
    }
}

async fn serve(args: aduan_server::config::ServeArgs) -> anyhow::Result<()> {
    telemetry::init(args.log_format);
    let listener = TcpListener::bind(args.listen).await?;
    let app = Application::build(args, listener).await?;
    app.run_until_stopped(shutdown_signal()).await
}

/// SIGINT (Ctrl-C) or SIGTERM (systemd, docker stop).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutdown requested");
}
