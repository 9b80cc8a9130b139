import EventLoop

/// The way a handler answers one request, now or later, on the loop thread.
///
/// Exactly one of `send`, `fail`, `startStreaming` or `startEventStream` may be called. If the
/// handler drops the responder without answering, the client gets a 500 rather than a hung
/// connection. To answer from another thread, hop back with `loop.execute` carrying a
/// `LoopBound(responder, loop:)`, or use `loop.offload(work) { result in responder.send(...) }`.
package final class HTTPResponder {
    /// `clientGone`: the connection closed before an answer; answers after it are dropped.
    enum State { case pending, streaming, finished, clientGone }

    private var connection: HTTPConnection?
    package let loop: EventLoop
    let keepAlive: Bool
    private let isHead: Bool
    private let acceptsGzip: Bool
    private let isHTTP10: Bool
    private(set) var state: State = .pending
    /// Weak: the handler (or an EventStreamHub) owns the writer; dropping it ends the stream.
    private weak var stream: HTTPBodyWriter?
    private var goneHandlers: [() -> Void] = []
    /// True once the client closed its side or the connection broke.
    package private(set) var isClientGone = false

    init(connection: HTTPConnection, request: HTTPRequest, keepAlive: Bool) {
        self.connection = connection
        self.loop = connection.loop
        self.isHead = request.method == .head
        self.acceptsGzip = request.acceptsGzip
        self.isHTTP10 = request.version.major == 1 && request.version.minor == 0
        self.keepAlive = keepAlive
    }

    deinit {
        guard let connection, state != .finished, state != .clientGone else { return }
        // A handler dropped the responder (or a stream's writer) without finishing: answer 500 or
        // cut the stream, so the client is not left waiting on a connection nobody will answer.
        let wasStreaming = state == .streaming
        if loop.isInLoopThread {
            Self.abandon(connection, wasStreaming: wasStreaming)
        } else {
            let transfer = ConnectionTransfer(connection: connection)
            loop.execute { Self.abandon(transfer.connection, wasStreaming: wasStreaming) }
        }
    }

    private static func abandon(_ connection: HTTPConnection, wasStreaming: Bool) {
        if wasStreaming {
            connection.close()
        } else if connection.server.isShuttingDown {
            // Shutdown released the handler's state (its timers closed) before it answered.
            connection.reject(HTTPConnection.shuttingDown)
        } else {
            connection.server.logger.error("a handler dropped its responder without answering")
            connection.reject(HTTPError(.internalServerError, "the request was not answered"))
        }
    }

    var isStreaming: Bool { state == .streaming }

    /// Runs `handler` when the client goes away before the response is complete (or, for a
    /// stream, at any time while it is open). Runs at once if it already went away.
    package func onClientGone(_ handler: @escaping () -> Void) {
        loop.assertInLoopThread()
        if isClientGone { handler() } else { goneHandlers.append(handler) }
    }

    // MARK: Answering

    /// Sends a complete response. Ignored (with a log line) if the client has gone.
    package func send(_ response: HTTPResponse) {
        loop.assertInLoopThread()
        // Work answered after the client left (or shutdown's grace ran out): nobody to tell.
        if state == .clientGone { return }
        precondition(state == .pending, "HTTPResponder answered twice")
        state = .finished
        guard let connection else { return }
        self.connection = nil
        let server = connection.server
        var headers = response.headers
        var body = response.body
        if let minimum = server.configuration.gzipMinimumBytes, acceptsGzip, response.status.allowsBody,
            body.count >= minimum, !headers.contains("Content-Encoding")
        {
            do {
                body = try Gzip.compress(body, level: 1)
                headers.set("Content-Encoding", "gzip")
                headers.add("Vary", "Accept-Encoding")
            } catch {
                server.logger.warning("gzip failed; sending identity", metadata: ["error": "\(error)"])
            }
        }
        let closing = !keepAlive || connection.closeAfterResponse || connection.peerClosed
        let includesBody = !isHead && response.status.allowsBody
        let keepAliveHTTP10 = isHTTP10 && !closing
        connection.write { bytes in
            HTTPResponseEncoder.appendHead(
                to: &bytes, status: response.status, headers: headers,
                framing: response.status.allowsBody ? .length(body.count) : .length(0),
                closing: closing, keepAliveHTTP10: keepAliveHTTP10, server: server)
            if includesBody { bytes += body }
        }
        connection.responseFinished(self)
    }

    /// Sends the error's status and message.
    package func fail(_ error: HTTPError) { send(error.response) }

    /// A handler threw: an `HTTPError` is sent as is, anything else as a 500 that does not leak
    /// the error. If the response had already started, the stream is cut instead.
    func handlerThrew(_ error: any Error, path: String) {
        let httpError = error as? HTTPError
        if httpError == nil {
            connection?.server.logger.error("handler failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
        switch state {
        case .pending:
            fail(httpError ?? HTTPError(.internalServerError, "internal error"))
        case .streaming:
            stream?.abort()
            streamAborted()
        case .finished, .clientGone:
            break
        }
    }

    /// Sends `value` as JSON; a 500 if it cannot be encoded.
    package func sendJSON(_ value: some Encodable, status: HTTPStatus = .ok) {
        do {
            send(try HTTPResponse.json(value, status: status))
        } catch {
            connection?.server.logger.error("cannot encode JSON response", metadata: ["error": "\(error)"])
            fail(HTTPError(.internalServerError, "response could not be encoded"))
        }
    }

    /// Starts a streamed body: chunked for HTTP/1.1, until-close for HTTP/1.0. With `gzip`, the
    /// body is compressed when the client accepts it (each write is flushed to a byte boundary).
    package func startStreaming(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], gzip: Bool = false)
        -> HTTPBodyWriter
    {
        loop.assertInLoopThread()
        // After the client left, the writer is made closed (below) and everything written dropped.
        precondition(state == .pending || state == .clientGone, "HTTPResponder answered twice")
        state = .streaming
        var headers = headers
        let compress = gzip && acceptsGzip && connection?.server.configuration.gzipMinimumBytes != nil
        if compress {
            headers.set("Content-Encoding", "gzip")
            headers.add("Vary", "Accept-Encoding")
        }
        let writer = HTTPBodyWriter(
            responder: self, chunked: !isHTTP10, omitBody: isHead,
            deflater: compress ? try? GzipDeflater(level: 1) : nil)
        stream = writer
        if let connection {
            let closing = isHTTP10 || !keepAlive || connection.closeAfterResponse
            connection.write(
                HTTPResponseEncoder.head(
                    status: status, headers: headers,
                    framing: isHTTP10 ? .untilClose : .chunked,
                    closing: closing, server: connection.server))
        } else {
            writer.connectionClosed()
        }
        return writer
    }

    /// Starts a `text/event-stream` response (server-sent events). `retry` tells the client how
    /// long to wait before reconnecting.
    package func startEventStream(headers: HTTPHeaders = [:], retry: Duration? = nil) -> EventStream {
        var headers = headers
        headers.set("Content-Type", "text/event-stream")
        headers.set("Cache-Control", "no-cache")
        let writer = startStreaming(status: .ok, headers: headers)
        let stream = EventStream(writer: writer)
        if let retry { stream.sendRetry(retry) }
        return stream
    }

    // MARK: Called by the connection and the body writer

    func write(_ bytes: [UInt8]) {
        connection?.write(bytes)
    }

    var queuedBytes: Int { connection?.queuedBytes ?? 0 }

    var maxQueuedStreamBytes: Int { connection?.server.configuration.maxQueuedStreamBytes ?? 0 }

    func streamFinished(closeConnection: Bool) {
        guard state == .streaming else { return }
        state = .finished
        guard let connection else { return }
        self.connection = nil
        if closeConnection || isHTTP10 {
            connection.closeAfterResponse = true
        }
        connection.responseFinished(self)
    }

    /// The stream gave up on the client (too slow, compression failed): close the connection now.
    func streamAborted() {
        guard state == .streaming else { return }
        state = .finished
        guard let connection else { return }
        self.connection = nil
        // What is queued goes out if the socket takes it now; a client too slow to take it is
        // cut regardless.
        connection.flush()
        connection.close()
    }

    func clientWentAway() {
        guard !isClientGone else { return }
        isClientGone = true
        let handlers = goneHandlers
        goneHandlers = []
        handlers.forEach { $0() }
    }

    /// The connection closed before the response was complete.
    func connectionClosed() {
        connection = nil
        if state == .pending { state = .clientGone }
        clientWentAway()
        stream?.connectionClosed()
    }

    func endStreamForShutdown() {
        stream?.finish()
    }
}

/// Carries a connection to the loop thread from a responder deinit that ran elsewhere.
private struct ConnectionTransfer: @unchecked Sendable {
    // @unchecked Sendable: the connection is only touched by the job given to `loop.execute`,
    // which runs on the loop thread that owns it.
    let connection: HTTPConnection
}
