use clap::Parser;
use tokio::net::TcpListener;

use aduan_server::config::{AuditCommand, Cli, Command, UserCommand};
use aduan_server::{db, telemetry, Application};

// Every request, job and provider reply allocates and frees many small JSON and SQL
// buffers across the runtime's threads; mimalloc's per-thread free lists cost less CPU
// there than glibc's malloc (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
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
        Some(Command::Audit(AuditCommand::Verify { db })) => {
            if !aduan_server::cli::audit_verify(&db).await? {
                std::process::exit(1);
            }
            Ok(())
        }
        Some(Command::Backup(args)) => {
            telemetry::init(Default::default());
            aduan_server::backup::backup(&args).await.map(drop)
        }
        Some(Command::Restore(args)) => {
            telemetry::init(Default::default());
            aduan_server::backup::restore(&args).await.map(drop)
        }
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
