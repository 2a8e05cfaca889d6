use super::*;

#[test]
fn a_settings_file_names_the_server() {
    let m = Managed::parse(r#"{"server": " https://aduan.agency.gov.my/ "}"#).unwrap();
    assert_eq!(m.server.as_deref(), Some("https://aduan.agency.gov.my"));
    assert_eq!(Managed::parse("{}").unwrap(), Managed::default());
    assert!(Managed::parse(r#"{"server": "aduan.agency.gov.my"}"#).is_err());
    assert!(Managed::parse(r#"{"server": "file:///etc/passwd"}"#).is_err());
    assert!(Managed::parse("server=https://x").is_err());
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn linux_reads_xdg_config_dirs_then_etc_aduan() {
    let files = files(Some(std::ffi::OsStr::new(
        "/opt/site/xdg:relative:/etc/xdg",
    )));
    let want = [
        "/opt/site/xdg/aduan/desktop.json",
        "/etc/xdg/aduan/desktop.json",
        "/etc/aduan/desktop.json",
    ];
    assert_eq!(files, want.map(PathBuf::from));
    let files = super::files(None);
    assert_eq!(files[0], PathBuf::from("/etc/xdg/aduan/desktop.json"));
}

#[test]
fn the_first_file_found_wins_and_a_broken_one_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desktop.json");
    assert_eq!(read(&path).unwrap(), None, "a missing file is no setting");
    std::fs::write(&path, r#"{"server": "http://10.1.2.3:8080"}"#).unwrap();
    let found = read(&path).unwrap().unwrap();
    assert_eq!(found.server.as_deref(), Some("http://10.1.2.3:8080"));
    std::fs::write(&path, r#"{"server": 42}"#).unwrap();
    let err = read(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
}
