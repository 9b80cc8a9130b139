import CHTTPParser

/// Drives http-parser over the bytes of one connection, one request at a time, within the
/// server's header and body limits. `HTTPConnection` feeds it what it reads; tests and the fuzzers
/// feed it bytes without a socket, so they exercise exactly the server's parsing.
package final class HTTPRequestParser {
    /// What one `execute` call ended with.
    package enum Outcome {
        /// A complete request. After one with `keepAlive == false` (Connection: close, an upgrade)
        /// nothing more is parsed.
        case request(HTTPRequest, keepAlive: Bool)
        /// The bytes given were consumed and no request is complete yet.
        case needsMoreInput
        /// The input is malformed or over a limit: the error to answer with before closing. The
        /// parser stays failed.
        case failed(HTTPError)
    }

    package let maxHeaderBytes: Int
    package let maxBodyBytes: Int
    /// Told when a request starts and when its headers are complete (the connection's timeouts
    /// and `100 Continue`).
    weak var delegate: (any HTTPRequestParserDelegate)?

    let parser: UnsafeMutablePointer<http_parser>
    private let settings: UnsafeMutablePointer<http_parser_settings>

    // Request being parsed.
    var url: [UInt8] = []
    var headerFields: [(String, String)] = []
    var fieldBytes: [UInt8] = []
    var valueBytes: [UInt8] = []
    var lastCallbackWasValue = false
    var headerByteCount = 0
    var body: [UInt8] = []
    /// Set by the callbacks when a request is complete; taken by `execute`.
    var completedRequest: HTTPRequest?
    var completedKeepAlive = true
    /// Set by the callbacks when a limit was exceeded (http-parser then reports a callback error).
    var rejection: HTTPError?

    package init(maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        settings = Self.makeSettings()
        parser = UnsafeMutablePointer<http_parser>.allocate(capacity: 1)
        http_parser_init(parser, HTTP_REQUEST)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// A parser with the limits of a server with this configuration.
    package convenience init(limitsOf configuration: HTTPServer.Configuration) {
        self.init(maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes)
    }

    deinit {
        parser.deallocate()
        settings.deallocate()
    }

    /// Parses from the start of `bytes` up to the end of the first request that completes there
    /// (or through all of them), returning how many bytes were consumed; call again with the rest.
    package func execute(_ bytes: UnsafeRawBufferPointer) -> (consumed: Int, outcome: Outcome) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return (0, .needsMoreInput) }
        let consumed = http_parser_execute(parser, settings, base.assumingMemoryBound(to: CChar.self), bytes.count)
        let error = kct_http_parser_errno(parser)
        if error == HPE_PAUSED {
            http_parser_pause(parser, 0)
            guard let request = completedRequest else { return (consumed, .needsMoreInput) }
            completedRequest = nil
            return (consumed, .request(request, keepAlive: completedKeepAlive))
        }
        if error != HPE_OK {
            let failure =
                rejection
                ?? HTTPError(.badRequest, "malformed request: \(String(cString: http_errno_description(error)))")
            return (consumed, .failed(failure))
        }
        return (consumed, .needsMoreInput)
    }
}

/// What the connection learns from its parser while a request arrives.
protocol HTTPRequestParserDelegate: AnyObject {
    func requestBegan()
    /// `expectsContinue`: an HTTP/1.1 client sent `Expect: 100-continue` and the declared body is
    /// within the limit, so it should be told to go on.
    func requestHeadersCompleted(expectsContinue: Bool)
}
