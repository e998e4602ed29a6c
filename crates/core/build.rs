//! `sqlx::migrate!` embeds `migrations/` at compile time; stable Rust cannot tell Cargo that a
//! proc macro read those files, so a new or changed migration would not rebuild this crate.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
