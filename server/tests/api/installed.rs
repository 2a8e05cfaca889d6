//! The binary as an installed instance runs it: configuration from an env file, and an
//! older binary refusing a database a newer version has migrated.

use crate::helpers::{fresh_database, spawn_app};

#[tokio::test]
async fn commands_read_the_env_file_and_flags_and_variables_win() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let env_file = tmp.path().join("aduan.env");
    let data_dir = tmp.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    std::fs::write(
        &env_file,
        format!(
            "# as the package writes it\nDATABASE_URL=\"{}\"\nADUAN_DATA_DIR={}\n",
            app.database_url.as_deref().unwrap(),
            data_dir.display()
        ),
    )
    .unwrap();
    let add = |name: &str| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"));
        cmd.args(["user", "add", name, "--role", "officer"])
            .env("ADUAN_ENV_FILE", &env_file)
            .env_remove("DATABASE_URL")
            .env_remove("ADUAN_DATA_DIR")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    };
    let out = run_with_password(add("alice")).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The user exists in the database the env file names, not in ./aduan-data.
    let users: Vec<String> = sqlx::query_scalar("SELECT username FROM users")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(users.contains(&"alice".to_string()), "{users:?}");

    // A variable set in the environment wins over the file (as with the unit's
    // Environment=): a database that does not exist makes the command fail.
    let mut cmd = add("bob");
    cmd.env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none");
    let out = run_with_password(cmd).await;
    assert!(!out.status.success());
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE username = 'bob'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
    app.stop().await;
}

async fn run_with_password(mut cmd: tokio::process::Command) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"a long enough password\n").await.unwrap();
    drop(stdin);
    child.wait_with_output().await.unwrap()
}

#[tokio::test]
async fn an_older_binary_refuses_a_database_a_newer_one_migrated() {
    let url = fresh_database().await;
    let migrate = || {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_aduan-server"));
        cmd.arg("migrate")
            .env("DATABASE_URL", &url)
            .env_remove("ADUAN_ENV_FILE");
        cmd
    };
    let out = migrate().output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    // What a newer version leaves behind: a migration this binary does not know.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000000, 'from a newer version', true, '\\x00', 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let tables = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = tables(pool.clone()).await;
    let out = migrate().output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("upgraded by a newer version of Aduan")
            && stderr.contains("99991231000000")
            && stderr.contains("Nothing was changed"),
        "{stderr}"
    );
    assert_eq!(
        tables(pool.clone()).await,
        before,
        "the schema is untouched"
    );
    pool.close().await;
}
