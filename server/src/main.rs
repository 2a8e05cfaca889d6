use clap::Parser;
use tokio::net::TcpListener;

use aduan_server::config::{Cli, Command};
use aduan_server::{db, telemetry, Application};

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
            db.close().await;
            Ok(())
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
