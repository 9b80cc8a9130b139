import HTTP
import Testing

/// The server's request parser without a socket: what HTTPConnection sees for given bytes.
@Suite("HTTP request parser")
struct RequestParserTests {
    /// Feeds `bytes` in pieces of `chunkSize` as the connection does, collecting each outcome.
    static func parse(
        _ text: String, chunkSize: Int = .max, maxHeaderBytes: Int = 16 * 1024,
        maxBodyBytes: Int = 1024
    ) -> [HTTPRequestParser.Outcome] {
        let parser = HTTPRequestParser(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
        let bytes = Array(text.utf8)
        var outcomes: [HTTPRequestParser.Outcome] = []
        var start = 0
        while start < bytes.count {
            let chunk = Array(bytes[start..<min(bytes.count, start + chunkSize)])
            start += chunk.count
            var offset = 0
            while offset < chunk.count {
                let (consumed, outcome) = chunk.withUnsafeBytes {
                    parser.execute(UnsafeRawBufferPointer(rebasing: $0[offset...]))
                }
                offset += consumed
                switch outcome {
                case .request(_, let keepAlive):
                    outcomes.append(outcome)
                    if !keepAlive { return outcomes }
                case .failed:
                    return outcomes + [outcome]
                case .needsMoreInput:
                    if consumed == 0 { return outcomes }
                }
            }
        }
        return outcomes
    }

    static func requests(_ outcomes: [HTTPRequestParser.Outcome]) -> [(request: HTTPRequest, keepAlive: Bool)] {
        outcomes.compactMap { if case .request(let request, let keepAlive) = $0 { (request, keepAlive) } else { nil } }
    }

    static func failure(_ outcomes: [HTTPRequestParser.Outcome]) -> HTTPError? {
        guard case .failed(let error) = outcomes.last else { return nil }
        return error
    }

    @Test(arguments: [1, 2, 7, 64, Int.max])
    func pipelinedRequestsInAnyChunking(chunkSize: Int) {
        let text =
            "POST /v1/push?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"
            + "GET /v1/pull?after=3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /last HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n"
        let requests = Self.requests(Self.parse(text, chunkSize: chunkSize))
        #expect(requests.map(\.request.target) == ["/v1/push?x=1", "/v1/pull?after=3", "/last"])
        #expect(requests.map(\.request.body) == [Array("{}".utf8), Array("abc".utf8), []])
        #expect(requests.map(\.keepAlive) == [true, true, false])
    }

    @Test func limitsAreTheConfiguredOnes() {
        let header = Self.failure(
            Self.parse("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 200))\r\n\r\n", maxHeaderBytes: 100))
        #expect(header?.status == .requestHeaderFieldsTooLarge)
        let declared = Self.failure(Self.parse("POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n"))
        #expect(declared?.status == .payloadTooLarge)
        let chunked = Self.failure(
            Self.parse(
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n" + String(repeating: "b", count: 1025),
                chunkSize: 100))
        #expect(chunked?.status == .payloadTooLarge)
    }

    @Test func malformedInputFailsWithABadRequestAndStaysFailed() {
        let parser = HTTPRequestParser(maxHeaderBytes: 1024, maxBodyBytes: 1024)
        let garbage = Array("\u{1}GARBAGE\r\n\r\n".utf8)
        let first = garbage.withUnsafeBytes { parser.execute($0) }
        guard case .failed(let error) = first.outcome else {
            Issue.record("garbage parsed as \(first.outcome)")
            return
        }
        #expect(error.status == .badRequest)
        #expect(error.message.hasPrefix("malformed request"))
        let valid = Array("GET / HTTP/1.1\r\n\r\n".utf8)
        let after = valid.withUnsafeBytes { parser.execute($0) }
        guard case .failed = after.outcome else {
            Issue.record("a failed parser went on to \(after.outcome)")
            return
        }
    }

    @Test func partialRequestWaitsForMore() {
        let outcomes = Self.parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", chunkSize: 5)
        #expect(outcomes.isEmpty)
    }
}
