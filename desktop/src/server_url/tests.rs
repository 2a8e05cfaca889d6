use super::*;

#[test]
fn plain_http_to_another_computer_is_refused() {
    for url in [
        "http://10.0.0.5:8080",
        "http://aduan.agency.gov.my",
        "http://192.168.1.20",
        "http://[2001:db8::1]:8080",
        "http://localhost.evil.example",
        "http://128.0.0.1",
    ] {
        assert_eq!(
            ServerUrl::parse(url),
            Err(UrlError::Insecure(url.into())),
            "{url}"
        );
    }
}

#[test]
fn https_anywhere_and_http_on_loopback_are_allowed() {
    for (url, base) in [
        (
            "https://aduan.agency.gov.my/",
            "https://aduan.agency.gov.my",
        ),
        ("https://10.0.0.5:8443", "https://10.0.0.5:8443"),
        (
            "https://gw.agency.gov.my/aduan/",
            "https://gw.agency.gov.my/aduan",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.10.20.30:18080/", "http://127.10.20.30:18080"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://LOCALHOST", "http://localhost"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ] {
        assert_eq!(ServerUrl::parse(url).unwrap().as_str(), base, "{url}");
    }
}

#[test]
fn what_is_not_a_plain_server_address_is_invalid() {
    for url in [
        "",
        "aduan.agency.gov.my",
        "ftp://127.0.0.1",
        "file:///etc/passwd",
        "https://user:pw@aduan.agency.gov.my",
        "https://aduan.agency.gov.my/?x=1",
        "javascript:alert(1)",
    ] {
        assert!(
            matches!(ServerUrl::parse(url), Err(UrlError::Invalid(_))),
            "{url}"
        );
    }
}

#[test]
fn request_paths_stay_under_the_servers_api() {
    let s = ServerUrl::parse("https://gw.agency.gov.my/aduan").unwrap();
    assert_eq!(
        s.api("/complaints?q=rasuah").unwrap().as_str(),
        "https://gw.agency.gov.my/aduan/api/v1/complaints?q=rasuah"
    );
    for path in [
        "complaints",
        "//evil.example/x",
        "/../../admin",
        "/..%2f..%2fx/../../../y",
        "\\\\evil.example",
        "@evil.example/",
    ] {
        assert!(s.api(path).is_err(), "{path}");
    }
}
