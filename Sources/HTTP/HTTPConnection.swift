import CLibUV
import EventLoop

/// One accepted TCP connection: reads, feeds its `HTTPRequestParser`, dispatches one request at a
/// time, writes responses in order. Retained by its libuv handle until the handle's close callback.
final class HTTPConnection {
    enum Phase {
        /// Between requests (or before the first).
        case idle
        /// A request has started; its headers are not complete yet.
        case readingHeaders
        case readingBody
        /// A handler owns the request; no timeouts apply (streams have their own heartbeats).
        case handling
        /// An error response was sent; input is read and dropped until EOF or the linger timeout.
        case lingering
    }

    let server: HTTPServer
    let handle: UnsafeMutableRawPointer
    /// The same parser type tests and fuzzers drive without a socket.
    let requestParser: HTTPRequestParser
    var phase: Phase = .idle
    private(set) var isClosed = false
    /// Loop time (ms) of the last bytes read, and of the current request's first byte.
    var lastActivity: UInt64
    var requestStarted: UInt64 = 0

    /// The responder of the request being handled; nil between requests. Weak: the handler owns
    /// it, so a handler that drops it unanswered is noticed (its deinit answers 500).
    weak var activeResponder: HTTPResponder?
    /// Bytes read while a request was being handled, parsed once it is answered.
    var unparsed: [UInt8] = []
    var isReading = false
    var isParsing = false
    /// Inside the read callback: writes are batched and flushed once at its end.
    var isInReadCallback = false
    var peerClosed = false
    /// Read once at accept; copied into every request (`HTTPRequest.peerIsLoopback`).
    var peerIsLoopback = false
    var closeAfterResponse = false

    var outgoing: [UInt8] = []
    var writesInFlight = 0
    var closeWhenFlushed = false
    var lingerStarted: UInt64 = 0
    var isShutdownSent = false

    init(server: HTTPServer, handle: UnsafeMutableRawPointer) {
        self.server = server
        self.handle = handle
        lastActivity = server.loop.now
        requestParser = HTTPRequestParser(limitsOf: server.configuration)
        requestParser.delegate = self
        uvAttach(self, to: handle)
    }

    var stream: UnsafeMutablePointer<uv_stream_t> { handle.uvStream }
    var loop: EventLoop { server.loop }

    func start() {
        uv_tcp_nodelay(handle.assumingMemoryBound(to: uv_tcp_t.self), 1)
        startReading()
    }

    /// Over the connection cap: a short 503 written without queuing, then close.
    func refuse() {
        let response = Array(
            ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
                + "Connection: close\r\n\r\ntoo many connections\n").utf8)
        outgoing = response
        closeWhenFlushed = true
        flush()
    }

    func startReading() {
        guard !isReading, !isClosed else { return }
        let result = uv_read_start(stream, allocateReadBuffer, bytesRead)
        if result < 0 {
            close()
            return
        }
        isReading = true
    }

    func stopReading() {
        guard isReading, !isClosed else { return }
        uv_read_stop(stream)
        isReading = false
    }

    // MARK: Reading

    fileprivate func didRead(_ count: Int, _ base: UnsafeMutablePointer<CChar>?) {
        if count < 0 {
            peerDidClose()
            return
        }
        guard count > 0, let base else { return }
        lastActivity = loop.now
        if phase == .lingering { return }
        isInReadCallback = true
        let bytes = UnsafeRawBufferPointer(start: base, count: count)
        if activeResponder != nil || !unparsed.isEmpty {
            unparsed.append(contentsOf: bytes)
            // Stop reading a client that keeps sending while its request is handled.
            if unparsed.count > server.configuration.maxHeaderBytes + server.configuration.maxBodyBytes {
                stopReading()
            }
        } else {
            parse(bytes)
        }
        isInReadCallback = false
        flush()
    }

    /// Feeds bytes to the parser, dispatching each request as it completes. Stops at a request
    /// whose handler answers later, keeping the rest in `unparsed`.
    func parse(_ bytes: UnsafeRawBufferPointer) {
        isParsing = true
        defer { isParsing = false }
        var offset = 0
        while offset < bytes.count, !isClosed, phase != .lingering {
            let (consumed, outcome) = requestParser.execute(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            offset += consumed
            switch outcome {
            case .request(var request, let keepAlive):
                request.peerIsLoopback = peerIsLoopback
                dispatch(request, keepAlive: keepAlive)
                // After a request that ends the connection (Connection: close, an upgrade) nothing
                // more is parsed.
                if !keepAlive { return }
                if activeResponder != nil {
                    unparsed.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                    return
                }
            case .failed(let error):
                reject(error)
                return
            case .needsMoreInput:
                if consumed == 0 { return }
            }
        }
    }

    /// Parses what arrived while the previous request was handled.
    func resumeParsing() {
        guard !isClosed, activeResponder == nil, !unparsed.isEmpty, !isParsing else {
            if !isClosed, activeResponder == nil { startReading() }
            return
        }
        let pending = unparsed
        unparsed = []
        pending.withUnsafeBytes { parse($0) }
        if activeResponder == nil { startReading() }
        flush()
    }

    private func peerDidClose() {
        peerClosed = true
        stopReading()
        if let responder = activeResponder {
            // The request is still being answered: the handler may notice and stop; a normal
            // response is still written (the client may have only half-closed), then we close.
            responder.clientWentAway()
            if responder.isStreaming { close() }
            return
        }
        close()
    }

    // MARK: Dispatch

    private func dispatch(_ request: HTTPRequest, keepAlive: Bool) {
        phase = .handling
        server.countRequest()
        var request = request
        let responder = HTTPResponder(connection: self, request: request, keepAlive: keepAlive && !closeAfterResponse)
        activeResponder = responder
        switch server.router.match(method: request.method, path: request.path) {
        case .found(let handler, let parameters):
            request.pathParameters = parameters
            do {
                try handler(request, responder)
            } catch {
                responder.handlerThrew(error, path: request.path)
            }
        case .methodNotAllowed(let allowed):
            if let unmatched = server.router.unmatched { return unmatched(request, responder, allowed) }
            responder.fail(
                HTTPError(
                    .methodNotAllowed, "\(request.method) is not allowed on \(request.path)",
                    headers: ["Allow": allowed.map(\.name).joined(separator: ", ")]))
        case .notFound:
            if let unmatched = server.router.unmatched { return unmatched(request, responder, []) }
            responder.fail(HTTPError(.notFound, "no route for \(request.path)"))
        }
    }

    /// Called by the active responder once its response is complete (all bytes queued).
    func responseFinished(_ responder: HTTPResponder) {
        guard activeResponder === responder else { return }
        activeResponder = nil
        if !responder.keepAlive || closeAfterResponse || peerClosed {
            closeWhenFlushed = true
            flush()
            return
        }
        phase = .idle
        lastActivity = loop.now
        if !isParsing { resumeParsing() }
    }

    /// An error found by the server itself (limits, malformed input): answer, then close.
    func reject(_ error: HTTPError) {
        guard !isClosed, phase != .lingering else { return }
        server.logger.debug(
            "rejecting request", metadata: ["status": "\(error.status.code)", "reason": "\(error.message)"])
        let responder = activeResponder
        activeResponder = nil
        responder?.connectionClosed()
        let response = error.response
        outgoing += HTTPResponseEncoder.head(
            status: response.status, headers: response.headers,
            framing: .length(response.body.count), closing: true, server: server)
        outgoing += response.body
        phase = .lingering
        lingerStarted = loop.now
        unparsed = []
        closeWhenFlushed = true
        flush()
    }

    // MARK: Timeouts and shutdown

    func checkTimeouts(now: UInt64) {
        let configuration = server.configuration
        switch phase {
        case .idle:
            if now &- lastActivity >= configuration.idleTimeout.uvMilliseconds { close() }
        case .readingHeaders:
            if now &- requestStarted >= configuration.headerTimeout.uvMilliseconds {
                reject(HTTPError(.requestTimeout, "request headers not received in time"))
            }
        case .readingBody:
            if now &- lastActivity >= configuration.idleTimeout.uvMilliseconds {
                reject(HTTPError(.requestTimeout, "request body stalled"))
            }
        case .handling:
            break
        case .lingering:
            if now &- lingerStarted >= configuration.lingerTimeout.uvMilliseconds { close() }
        }
    }

    func serverShuttingDown() {
        closeAfterResponse = true
        switch phase {
        case .idle, .lingering:
            if writesInFlight == 0 && outgoing.isEmpty { close() } else { closeWhenFlushed = true }
        case .readingHeaders, .readingBody:
            break // finishes (or times out) and then closes
        case .handling:
            if let responder = activeResponder, responder.isStreaming { responder.endStreamForShutdown() }
        }
    }

    static let shuttingDown = HTTPError(.serviceUnavailable, "the server is shutting down")

    /// The server's grace period is over: a request still unanswered gets a 503 (written if the
    /// socket takes it at once), then the connection closes.
    func forceClose() {
        if let responder = activeResponder, !responder.isStreaming {
            reject(Self.shuttingDown)
        }
        close()
    }

    /// Closes the socket now; an unfinished response is dropped and its responder told.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        isReading = false
        let responder = activeResponder
        activeResponder = nil
        uvCloseHandle(handle)
        server.connectionClosed(self)
        responder?.connectionClosed()
    }
}

extension HTTPConnection: HTTPRequestParserDelegate {
    func requestBegan() {
        phase = .readingHeaders
        requestStarted = loop.now
    }

    func requestHeadersCompleted(expectsContinue: Bool) {
        phase = .readingBody
        if expectsContinue {
            outgoing += Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            if !isInReadCallback { flush() }
        }
    }
}

private let allocateReadBuffer: uv_alloc_cb = { handle, _, buffer in
    guard let handle, let buffer else { return }
    let connection = uvOwner(of: handle, as: HTTPConnection.self)
    let storage = connection.server.readBuffer
    buffer.pointee = uv_buf_init(storage.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(storage.count))
}

private let bytesRead: uv_read_cb = { stream, count, buffer in
    guard let stream else { return }
    uvOwner(of: stream, as: HTTPConnection.self).didRead(count, buffer?.pointee.base)
}
