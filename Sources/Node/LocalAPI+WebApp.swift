import Foundation
import HTTP

/// The staff's web app (`web/`, embedded by the EmbedWebApp plugin), served by the node next to
/// its API: `GET /` is `index.html`, `GET /app/VERSION/PATH` the other files (`WebAssets`). The
/// app routes with the URL's fragment (`/#/orders/S01-W1-000001`), so no other path needs to
/// serve the page and unknown paths stay 404. No session is needed to fetch the files: they hold
/// no data, and the page signs in through the API.
extension LocalAPI {
    static func addWebAppRoutes(to router: inout HTTPRouter) {
        router.get("/") { request, responder in
            responder.send(webAssetResponse(WebAssets.index, request, immutable: false))
        }
        router.get("/app/:version/*") { request, responder in
            guard let asset = WebAssets.files[request.pathParameters["*"] ?? ""] else {
                throw HTTPError(.notFound, "no such file in the web app")
            }
            // A page from before an upgrade may ask for an older version: it gets today's file,
            // revalidated on each use rather than cached under the old name for a year.
            let immutable = request.pathParameters["version"] == WebAssets.version
            responder.send(webAssetResponse(asset, request, immutable: immutable))
        }
    }

    /// The file, or 304 when the client's `If-None-Match` names its ETag; gzipped (level 9, made
    /// once) when the client accepts gzip.
    static func webAssetResponse(_ asset: WebAsset, _ request: HTTPRequest, immutable: Bool) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "ETag": asset.etag,
            // `no-cache` still lets the browser keep the file; it asks (If-None-Match) before each use.
            "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        ]
        if asset.path == "index.html" {
            // Only our own files run or load; no page may frame the app (clickjacking).
            headers.set(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                    + "form-action 'self'; frame-ancestors 'none'")
            headers.set("X-Frame-Options", "DENY")
            headers.set("Referrer-Policy", "no-referrer")
        }
        if let tags = request.headers["If-None-Match"], matches(tags, asset.etag) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.set("Content-Type", asset.contentType)
        if let gzipped = asset.gzipped, request.acceptsGzip {
            headers.set("Content-Encoding", "gzip")
            return HTTPResponse(status: .ok, headers: headers, body: gzipped)
        }
        return HTTPResponse(status: .ok, headers: headers, body: asset.body)
    }

    /// Whether an `If-None-Match` list names `etag` (weak comparison, as RFC 9110 asks for GET).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag || tag == "*"
        }
    }
}
