//! The `aduan-desktop` binary; everything lives in the library so tests can reach it.
#![forbid(unsafe_code)]
// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    aduan_desktop::run()
}
