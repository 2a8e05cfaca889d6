use super::*;

fn secret_file(dir: &Path) -> PathBuf {
    let path = dir.join("id_ed25519");
    std::fs::write(&path, "-----BEGIN OPENSSH PRIVATE KEY-----").unwrap();
    path
}

#[test]
fn a_chosen_file_is_known_by_handle_name_size_and_type_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Resit Bayaran.PDF");
    std::fs::write(&path, b"%PDF-1.4 resit").unwrap();
    let chosen = ChosenFiles::default();
    let h = chosen.register(&path).unwrap();
    assert_eq!(
        (h.name.as_str(), h.size, h.media_type.as_str()),
        ("Resit Bayaran.PDF", 14, "application/pdf")
    );
    let seen = serde_json::to_value(&h).unwrap();
    let keys: Vec<_> = seen.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["handle", "name", "size", "type"]);
    assert!(!seen.to_string().contains(dir.path().to_str().unwrap()));
    let up = chosen.resolve(std::slice::from_ref(&h.handle)).unwrap();
    assert_eq!(up[0].name, "Resit Bayaran.PDF");
}

#[test]
fn a_raw_path_is_not_a_handle() {
    let dir = tempfile::tempdir().unwrap();
    let key = secret_file(dir.path());
    let chosen = ChosenFiles::default();
    // Even a file that exists, readable by this user, cannot be named by its path.
    let err = chosen.resolve(&[key.display().to_string()]).unwrap_err();
    assert!(matches!(err, FileError::UnknownHandle), "{err}");
}

#[test]
fn a_forged_or_foreign_handle_refuses_the_whole_upload() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = ChosenFiles::default();
    let good = chosen.register(&secret_file(dir.path())).unwrap();
    // A well-formed handle this run never gave out (say, from another run of the app).
    let forged = uuid::Uuid::new_v4().simple().to_string();
    for handles in [vec![forged.clone()], vec![good.handle.clone(), forged]] {
        assert!(matches!(
            chosen.resolve(&handles),
            Err(FileError::UnknownHandle)
        ));
    }
    // Another run of the app (a new map) does not know this run's handles.
    let next_run = ChosenFiles::default();
    assert!(next_run.resolve(&[good.handle]).is_err());
}

#[test]
fn logout_forgets_every_handle() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = ChosenFiles::default();
    let h = chosen.register(&secret_file(dir.path())).unwrap();
    chosen.clear();
    assert!(matches!(
        chosen.resolve(&[h.handle]),
        Err(FileError::UnknownHandle)
    ));
}

#[test]
fn directories_and_missing_paths_get_no_handle() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = ChosenFiles::default();
    assert!(matches!(
        chosen.register(dir.path()),
        Err(FileError::NotAFile(_))
    ));
    assert!(chosen.register(&dir.path().join("gone")).is_err());
    let got = chosen.register_all(&[dir.path().to_path_buf(), secret_file(dir.path())]);
    assert_eq!(got.len(), 1);
}
