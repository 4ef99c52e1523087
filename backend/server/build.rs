//! Builds the browser UI (`web/`, TypeScript + Vite) into `OUT_DIR/web` and writes
//! `OUT_DIR/web_assets.rs`: every built file with its content type and a gzip copy, so the
//! `pulsegrid` binary serves the whole UI from memory with no files beside it.
//!
//! `npm ci` runs when `web/node_modules` is missing or older than `web/package-lock.json`, then
//! `npm run build`. Set `PULSEGRID_WEB_DIST` to a directory that already holds a build to skip
//! Node.js entirely (e.g. in a Docker stage that built the UI separately).

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../web");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-env-changed=PULSEGRID_WEB_DIST");
    let dist = match env::var_os("PULSEGRID_WEB_DIST") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            println!("cargo:rerun-if-changed={}", dir.display());
            dir
        }
        None => {
            for input in [
                "src",
                "index.html",
                "package.json",
                "package-lock.json",
                "vite.config.ts",
                "tsconfig.json",
                "public",
            ] {
                println!("cargo:rerun-if-changed={}", web.join(input).display());
            }
            let dist = out.join("web");
            build_ui(&web, &dist);
            dist
        }
    };
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    if !files.iter().any(|f| f == "index.html") {
        panic!("the UI build in {} has no index.html", dist.display());
    }
    let gz_dir = out.join("web-gz");
    fs::create_dir_all(&gz_dir).expect("create web-gz");
    let mut code = String::from("/// The built UI: (path, content type, body, gzip body).\n");
    code.push_str("pub(crate) static ASSETS: &[(&str, &str, &[u8], &[u8])] = &[\n");
    for rel in &files {
        let src = dist.join(rel);
        let body = fs::read(&src).expect("read built asset");
        let gz = gz_dir.join(format!("{}.gz", rel.replace('/', "__")));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&body).expect("gzip");
        fs::write(&gz, encoder.finish().expect("gzip")).expect("write gzip");
        code.push_str(&format!(
            "    ({:?}, {:?}, include_bytes!({:?}), include_bytes!({:?})),\n",
            format!("/{rel}"),
            content_type(rel),
            src.display().to_string(),
            gz.display().to_string(),
        ));
    }
    code.push_str("];\n");
    fs::write(out.join("web_assets.rs"), code).expect("write web_assets.rs");
}

fn build_ui(web: &Path, dist: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (fs::metadata(&lock), fs::metadata(&installed)) {
        (Ok(l), Ok(i)) => match (l.modified(), i.modified()) {
            (Ok(l), Ok(i)) => l > i,
            _ => true,
        },
        _ => true,
    };
    if stale {
        run(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(web),
            "npm ci",
        );
    }
    run(
        Command::new(npm)
            .args(["run", "build", "--silent"])
            .env("PULSEGRID_WEB_OUT", dist)
            .current_dir(web),
        "npm run build",
    );
}

fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "{what} in web/ failed ({status}); the UI must build for the binary to embed it. \
             Fix the error above, or set PULSEGRID_WEB_DIST to a built UI directory"
        ),
        Err(e) => panic!(
            "could not run {what} in web/: {e}. Building Pulsegrid needs Node.js 20.19+ and npm \
             (or PULSEGRID_WEB_DIST pointing at a built UI)"
        ),
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read UI build directory {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
