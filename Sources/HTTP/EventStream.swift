/// A server-sent-events response being written: send events and comments until the client goes
/// away or `close()` ends it.
package final class EventStream {
    let writer: HTTPBodyWriter

    init(writer: HTTPBodyWriter) { self.writer = writer }

    package var isOpen: Bool { writer.isOpen }

    /// Bytes not yet delivered to this client.
    package var queuedBytes: Int { writer.queuedBytes }

    package func send(_ event: ServerSentEvent) { writer.write(event.encoded) }

    /// A comment line: ignored by clients, keeps proxies and the connection from idling out,
    /// and reveals a dead client when the write fails.
    package func sendComment(_ text: String = "") {
        writer.write(Array(":\(text.filter { $0 != "\n" && $0 != "\r" })\n\n".utf8))
    }

    package func sendRetry(_ delay: Duration) {
        writer.write(Array("retry: \(delay.wholeMilliseconds)\n\n".utf8))
    }

    /// Runs `handler` once the stream ends, whichever side ended it.
    package func onClose(_ handler: @escaping () -> Void) { writer.onClose(handler) }

    /// Ends the stream cleanly (the client will reconnect after its retry delay).
    package func close() { writer.finish() }
}

extension Duration {
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
