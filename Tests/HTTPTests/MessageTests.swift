import HTTP
import Testing

@Suite("HTTP messages, headers and gzip")
struct MessageTests {
    @Test func requestTargetIsSplitAndDecoded() throws {
        let request = HTTPRequest(
            method: .get, target: "/v1/orders/KCT%2D7?after=12&name=Ann+Lee&empty=&flag",
            headers: ["Authorization": "bearer  s3cret ", "Accept-Encoding": "br, GZIP;q=0.5"])
        #expect(request.path == "/v1/orders/KCT-7")
        #expect(request.query == ["after": "12", "name": "Ann Lee", "empty": "", "flag": ""])
        #expect(try request.queryInteger("after") == 12)
        #expect(try request.queryInteger("missing") == nil)
        #expect(throws: HTTPError.self) { try request.queryInteger("name") }
        #expect(request.bearerToken == "s3cret")
        #expect(request.acceptsGzip)
    }

    @Test func malformedPercentEscapesKeepTheRawPath() {
        let request = HTTPRequest(method: .get, target: "/bad%zzpath")
        #expect(request.path == "/bad%zzpath")
    }

    @Test func headersAreCaseInsensitiveAndTokensRespectQZero() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "Accept-Encoding": "gzip;q=0, deflate"]
        #expect(headers["content-type"] == "text/plain")
        #expect(!headers.containsToken("gzip", in: "accept-encoding"))
        #expect(headers.containsToken("DEFLATE", in: "Accept-Encoding"))
        headers.add("Vary", "a")
        headers.add("vary", "b")
        #expect(headers.values("VARY") == ["a", "b"])
        headers.set("Vary", "c")
        #expect(headers.values("vary") == ["c"])
    }

    @Test func gzipRoundTripsAndRejectsCorruptInput() throws {
        let text = Array(String(repeating: "tailoring order 1234 ", count: 1000).utf8)
        let compressed = try Gzip.compress(text)
        #expect(compressed.count < text.count / 10)
        #expect(compressed.starts(with: [0x1F, 0x8B]))
        #expect(try Gzip.decompress(compressed) == text)
        #expect(throws: ZlibError.self) { try Gzip.decompress(Array(compressed.prefix(compressed.count / 2))) }
        #expect(throws: ZlibError.self) { try Gzip.decompress([0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF]) }
        #expect(throws: ZlibError.self) { try Gzip.decompress(compressed, limit: 100) }
    }

    @Test func statusesKnowTheirReasonsAndBodies() {
        #expect(HTTPStatus.requestHeaderFieldsTooLarge.description == "431 Request Header Fields Too Large")
        #expect(!HTTPStatus.noContent.allowsBody)
        #expect(!HTTPStatus.notModified.allowsBody)
        #expect(HTTPStatus.ok.allowsBody)
    }
}
