/// Writes a streamed response body. `finish()` ends it; after the client goes away writes are
/// ignored and `isOpen` is false.
package final class HTTPBodyWriter {
    /// Strong: the writer keeps the exchange alive; when it is dropped unfinished, the responder's
    /// deinit cuts the stream.
    private var responder: HTTPResponder?
    private let chunked: Bool
    private let omitBody: Bool
    private let deflater: GzipDeflater?
    package private(set) var isOpen = true
    private var closeHandlers: [() -> Void] = []

    init(responder: HTTPResponder, chunked: Bool, omitBody: Bool, deflater: GzipDeflater?) {
        self.responder = responder
        self.chunked = chunked
        self.omitBody = omitBody
        self.deflater = deflater
    }

    /// Runs `handler` once the stream has ended, by `finish()` or because the client went away.
    package func onClose(_ handler: @escaping () -> Void) {
        if isOpen { closeHandlers.append(handler) } else { handler() }
    }

    /// Bytes waiting to reach the client; a stream whose client reads too slowly grows this.
    package var queuedBytes: Int { responder?.queuedBytes ?? 0 }

    package func write(_ bytes: [UInt8]) {
        guard isOpen, !bytes.isEmpty, let responder else { return }
        responder.loop.assertInLoopThread()
        if omitBody { return }
        var payload = bytes
        if let deflater {
            guard let compressed = try? deflater.compress(bytes, flush: true) else {
                abort()
                return
            }
            payload = compressed
        }
        responder.write(chunked ? HTTPResponseEncoder.chunk(payload) : payload)
        if responder.queuedBytes > responder.maxQueuedStreamBytes {
            // A client this far behind would make us buffer without bound.
            abort()
        }
    }

    package func write(_ text: String) { write(Array(text.utf8)) }

    /// Ends the body; the connection stays open for the next request if keep-alive allows.
    package func finish() {
        guard isOpen, let responder else { return }
        if !omitBody {
            if let deflater, let tail = try? deflater.finish(), !tail.isEmpty {
                responder.write(chunked ? HTTPResponseEncoder.chunk(tail) : tail)
            }
            if chunked { responder.write(HTTPResponseEncoder.lastChunk) }
        }
        end()
        responder.streamFinished(closeConnection: !chunked)
    }

    /// Ends the stream without a proper end marker and closes the connection, so the client sees
    /// an incomplete response rather than a complete one.
    package func abort() {
        guard isOpen, let responder else { return }
        end()
        responder.streamAborted()
    }

    func connectionClosed() {
        guard isOpen else { return }
        end()
    }

    private func end() {
        isOpen = false
        defer { responder = nil }
        let handlers = closeHandlers
        closeHandlers = []
        handlers.forEach { $0() }
    }
}
