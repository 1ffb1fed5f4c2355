//! `hashport formats`: the registry as a table or JSON.

use hashport::scheme;
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> u8 {
    for s in scheme::registry() {
        let clerk = scheme::parse(s.example(), Some(s.id()), &Default::default())
            .ok()
            .and_then(|h| h.hash.clerk().ok())
            .map(|c| c.password_hasher);
        if args.json {
            println!(
                "{}",
                json!({"format": s.id(), "family": s.family(), "clerk_hasher": clerk,
                       "hint_only": s.hint_only(), "example": s.example()})
            );
        } else {
            println!(
                "{:<28} {:<10} {:<22} {}",
                s.id(),
                format!("{:?}", s.family()).to_lowercase(),
                clerk.unwrap_or("-"),
                s.example()
            );
        }
    }
    0
}
