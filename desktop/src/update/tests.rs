use super::*;

#[test]
fn the_check_names_target_arch_bundle_and_version_for_the_updater_to_fill_in() {
    let url = endpoint("https://aduan.agency.gov.my/").unwrap();
    // The updater replaces the (URL-encoded) placeholders itself.
    assert_eq!(
        url.as_str(),
        "https://aduan.agency.gov.my/api/v1/desktop/update/%7B%7Btarget%7D%7D-%7B%7Barch%7D%7D-%7B%7Bbundle_type%7D%7D/%7B%7Bcurrent_version%7D%7D"
    );
    assert!(endpoint("not a url").is_err());
}

#[test]
fn the_download_goes_to_the_signed_in_server_whatever_host_the_reply_named() {
    let named = Url::parse("http://internal-name:8080/api/v1/desktop/bundles/abc?x=1").unwrap();
    let url = rebase(&named, "https://aduan.agency.gov.my/").unwrap();
    assert_eq!(
        url.as_str(),
        "https://aduan.agency.gov.my/api/v1/desktop/bundles/abc?x=1"
    );
    let url = rebase(&named, "https://gw.agency.gov.my/aduan").unwrap();
    assert_eq!(
        url.as_str(),
        "https://gw.agency.gov.my/aduan/api/v1/desktop/bundles/abc?x=1"
    );
}

#[test]
fn signature_failures_are_refusals_and_network_failures_are_not() {
    use tauri_plugin_updater::Error as E;
    let mismatch = E::SignedVersionMismatch {
        signed: "0.1.0".into(),
        announced: "0.9.0".into(),
    };
    assert!(matches!(classify(mismatch), UpdateError::Refused(_)));
    assert!(matches!(
        classify(E::MissingSignedVersion),
        UpdateError::Refused(_)
    ));
    assert!(matches!(
        classify(E::SignatureUtf8("x".into())),
        UpdateError::Refused(_)
    ));
    assert!(matches!(
        classify(E::Network("status 502".into())),
        UpdateError::Unreachable(_)
    ));
    assert!(matches!(
        classify(E::PackageInstallFailed),
        UpdateError::Install(_)
    ));
}
