import Foundation
import HTTP
import StaffAuth
import WebApp

/// One file of the web app as served: its bytes, their gzip (level 9, made once), a strong ETag
/// and its content type.
struct WebAsset: Sendable {
    let path: String
    let contentType: String
    let body: [UInt8]
    /// Nil when gzip would not make it smaller.
    let gzipped: [UInt8]?
    let etag: String

    init(path: String, body: [UInt8]) {
        self.path = path
        self.body = body
        contentType = Self.contentType(path)
        let compressed = try? Gzip.compress(body, level: 9)
        gzipped = compressed.flatMap { $0.count < body.count ? $0 : nil }
        etag = "\"" + Base64URL.encode(Array(SecretToken.hash(String(decoding: body, as: UTF8.self)).prefix(16))) + "\""
    }

    static func contentType(_ path: String) -> String {
        switch path.split(separator: ".").last ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        default: "text/plain; charset=utf-8"
        }
    }
}

/// The web app's files (`WebApp`, embedded from `web/`), prepared once per process on first use:
/// the loop's thread pool warms this (`LocalAPI.init`), so the ~10 ms of gzip never runs on the
/// loop.
///
/// Files other than `index.html` are served under `/app/VERSION/…`, where VERSION is a digest
/// of every file: their URLs change whenever any file does, so they are cached as immutable and a
/// reload asks only for `/` (revalidated by its ETag, 304 when nothing changed). `index.html`
/// names them through the `__VERSION__` placeholder, and modules import each other by relative
/// paths, which stay under the same VERSION.
enum WebAssets {
    static let version: String = {
        let digests = WebApp.files.map { $0.path + "\0" + $0.text }.joined(separator: "\0")
        return String(Base64URL.encode(SecretToken.hash(digests)).prefix(12))
    }()

    /// By path under `web/` ("js/main.js"), `index.html` excluded.
    static let files: [String: WebAsset] = {
        var files: [String: WebAsset] = [:]
        for file in WebApp.files where file.path != "index.html" {
            files[file.path] = WebAsset(path: file.path, body: Array(file.text.utf8))
        }
        return files
    }()

    static let index: WebAsset = {
        let text = WebApp.files.first { $0.path == "index.html" }?.text ?? "<!doctype html><p>web app missing</p>"
        return WebAsset(
            path: "index.html", body: Array(text.replacingOccurrences(of: "__VERSION__", with: version).utf8))
    }()

    /// Total uncompressed size of the files served, for the README and the benchmark.
    static var totalBytes: Int { files.values.reduce(index.body.count) { $0 + $1.body.count } }

    /// Builds everything now (called on the thread pool).
    static func prepare() {
        _ = index
        _ = files
    }
}
