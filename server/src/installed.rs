//! An installed instance (the Debian or RPM package) keeps its configuration in
//! `/etc/aduan/aduan.env`, the file the service's unit reads. Every command reads it too, so
//! `sudo aduan-server user add alice --role admin` acts on the instance the service runs
//! (its database, its data dir), and does so as the user the service runs as, so nothing it
//! creates ends up owned by root.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The installed instance's configuration.
pub const ENV_FILE: &str = "/etc/aduan/aduan.env";
/// Names another configuration file to read instead (tests, several instances).
pub const ENV_FILE_VAR: &str = "ADUAN_ENV_FILE";

/// The env file to read: `ADUAN_ENV_FILE` when set, else [`ENV_FILE`] when it exists.
pub fn env_file() -> Option<PathBuf> {
    match std::env::var_os(ENV_FILE_VAR) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => Some(PathBuf::from(ENV_FILE)).filter(|p| p.exists()),
    }
}

/// Read `path` into the environment. A variable already set (or a flag given) wins, as with
/// the unit's `EnvironmentFile=` and `Environment=`. Call before any thread starts.
pub fn load_env_file(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (the installed instance's configuration; run as root or as its user)",
            path.display()
        )
    })?;
    for (key, value) in parse_env(&text)? {
        if std::env::var_os(&key).is_none() {
            std::env::set_var(key, value);
        }
    }
    Ok(())
}

/// `KEY=VALUE` lines as systemd's `EnvironmentFile=` reads them: blank lines and lines
/// starting with `#` or `;` are skipped, and a value may be wrapped in single or double quotes.
pub fn parse_env(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut vars = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            bail!("line {}: expected KEY=VALUE", n + 1);
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            bail!("line {}: {key:?} is not a variable name", n + 1);
        }
        let value = value.trim();
        let unquoted = [b'"', b'\'']
            .iter()
            .find_map(|&q| {
                let q = q as char;
                value.strip_prefix(q).and_then(|v| v.strip_suffix(q))
            })
            .unwrap_or(value);
        vars.push((key.to_string(), unquoted.to_string()));
    }
    Ok(vars)
}

/// When running as root on a data dir owned by another user (the service's), become that
/// user before anything is opened. PostgreSQL refuses root, and files written as root would
/// lock the service out of its own data.
pub fn become_owner_of(data_dir: &Path) -> anyhow::Result<()> {
    use nix::unistd::{setgid, setgroups, setuid, Gid, Uid, User};
    use std::os::unix::fs::MetadataExt;
    if !Uid::effective().is_root() {
        return Ok(());
    }
    let Ok(meta) = std::fs::metadata(data_dir) else {
        return Ok(());
    };
    if meta.uid() == 0 {
        return Ok(());
    }
    let user = User::from_uid(Uid::from_raw(meta.uid()))?
        .with_context(|| format!("{} is owned by an unknown user", data_dir.display()))?;
    let gid = Gid::from_raw(meta.gid());
    setgroups(&[gid]).context("dropping supplementary groups")?;
    setgid(gid).context("changing group")?;
    setuid(user.uid).with_context(|| format!("becoming {}", user.name))?;
    std::env::set_var("HOME", &user.dir);
    std::env::set_var("USER", &user.name);
    Ok(())
}

/// A configuration file listing every option of `serve` with its help and default, all
/// commented out but those given in `set` (`KEY=VALUE`). The package's `aduan.env` is made
/// from it, so the file cannot drift from the options the binary has.
pub fn env_template(set: &[(String, String)]) -> String {
    use clap::CommandFactory;
    let cli = crate::config::Cli::command();
    let serve = cli
        .find_subcommand("serve")
        .expect("the serve command exists");
    let mut out = String::from(
        "# Aduan server configuration, read by the aduan-server service and by every\n\
         # `aduan-server` command run on this machine. One KEY=VALUE per line; a variable\n\
         # left commented out takes the default shown. `aduan-server --help` explains all.\n",
    );
    for arg in serve.get_arguments() {
        let Some(env) = arg.get_env().and_then(|e| e.to_str()) else {
            continue;
        };
        out.push('\n');
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        for line in help.lines() {
            out.push_str(&format!("# {line}\n").replace("# \n", "#\n"));
        }
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let flag = arg.get_long().map(|l| format!("--{l}")).unwrap_or_default();
        match set.iter().find(|(k, _)| k == env) {
            Some((_, value)) => out.push_str(&format!("# Flag: {flag}.\n{env}={value}\n")),
            None if default.is_empty() => {
                out.push_str(&format!("# Flag: {flag}. Unset by default.\n#{env}=\n"))
            }
            None => {
                let d = default.join(",");
                out.push_str(&format!("# Flag: {flag}. Default: {d}.\n#{env}={d}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{env_template, parse_env};

    #[test]
    fn the_template_names_every_option_of_serve() {
        use clap::CommandFactory;
        let set = vec![("ADUAN_DATA_DIR".to_string(), "/var/lib/aduan".to_string())];
        let text = env_template(&set);
        let vars = parse_env(&text).unwrap();
        assert_eq!(vars, set, "only what was set is uncommented");
        let cli = crate::config::Cli::command();
        let serve = cli.find_subcommand("serve").unwrap();
        for arg in serve.get_arguments() {
            if let Some(env) = arg.get_env().and_then(|e| e.to_str()) {
                assert!(text.contains(&format!("{env}=")), "{env} missing");
            }
        }
        assert!(text.contains("#ADUAN_LISTEN=127.0.0.1:8080"));
    }

    #[test]
    fn env_files_read_as_systemd_reads_them() {
        let text = "# comment\n; other comment\n\nADUAN_LISTEN=127.0.0.1:8080\n\
                    DATABASE_URL=\"postgres://a@b/c\"\nADUAN_LLM_MODEL='m x'\n  ADUAN_WORKERS = 16\n";
        let vars = parse_env(text).unwrap();
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            vec![
                ("ADUAN_LISTEN", "127.0.0.1:8080"),
                ("DATABASE_URL", "postgres://a@b/c"),
                ("ADUAN_LLM_MODEL", "m x"),
                ("ADUAN_WORKERS", "16"),
            ]
        );
        assert!(parse_env("not a line").is_err());
        assert!(parse_env("BAD KEY=1").is_err());
    }
}
