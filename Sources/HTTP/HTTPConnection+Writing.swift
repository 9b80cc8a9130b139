import CLibUV
import EventLoop

extension HTTPConnection {
    /// Queues bytes; flushed at the end of the read callback, or at once outside it.
    func write(_ bytes: [UInt8]) {
        write { $0 += bytes }
    }

    /// Lets `encode` append straight to the output queue (no intermediate buffer), then flushes
    /// unless inside the read callback.
    func write(_ encode: (inout [UInt8]) -> Void) {
        guard !isClosed else { return }
        encode(&outgoing)
        if !isInReadCallback { flush() }
    }

    /// Bytes accepted by libuv but not yet written to the socket, plus our own queue.
    var queuedBytes: Int {
        isClosed ? 0 : outgoing.count + uv_stream_get_write_queue_size(stream)
    }

    /// Writes `outgoing`: directly with `uv_try_write` when nothing is queued, the rest (if any)
    /// with `uv_write` from a copy that lives until its write callback.
    func flush() {
        guard !isClosed else { return }
        if !outgoing.isEmpty {
            var written = 0
            if uv_stream_get_write_queue_size(stream) == 0 && writesInFlight == 0 {
                let result: Int32 = outgoing.withUnsafeMutableBytes { bytes in
                    var buffer = uv_buf_init(
                        bytes.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
                    return uv_try_write(stream, &buffer, 1)
                }
                if result >= 0 {
                    written = Int(result)
                } else if result != UV_EAGAIN.rawValue {
                    close()
                    return
                }
            }
            if written < outgoing.count {
                let remaining = outgoing.count - written
                let copy = UnsafeMutableRawPointer.allocate(byteCount: remaining, alignment: 1)
                outgoing.withUnsafeBytes { bytes in
                    copy.copyMemory(from: bytes.baseAddress!.advanced(by: written), byteCount: remaining)
                }
                let request = UnsafeMutableRawPointer.allocate(byteCount: uv_req_size(UV_WRITE), alignment: 16)
                let writeRequest = request.assumingMemoryBound(to: uv_write_t.self)
                writeRequest.pointee.data = copy
                var buffer = uv_buf_init(copy.assumingMemoryBound(to: CChar.self), UInt32(remaining))
                let result = uv_write(writeRequest, stream, &buffer, 1, writeFinished)
                if result < 0 {
                    copy.deallocate()
                    request.deallocate()
                    close()
                    return
                }
                writesInFlight += 1
            }
            outgoing.removeAll(keepingCapacity: outgoing.capacity <= 64 * 1024)
        }
        if closeWhenFlushed && writesInFlight == 0 { finishClosing() }
    }

    fileprivate func didFinishWrite(status: Int32) {
        writesInFlight -= 1
        if isClosed { return }
        if status < 0 {
            // The peer is gone (EPIPE/ECONNRESET): nothing more can be delivered.
            peerClosed = true
            close()
            return
        }
        if closeWhenFlushed && writesInFlight == 0 && outgoing.isEmpty { finishClosing() }
    }

    /// Everything is written and the connection should end. After an error response (lingering),
    /// send FIN and keep draining input until EOF or the linger timeout, so the client reads the
    /// response instead of a reset; otherwise close now.
    private func finishClosing() {
        guard phase == .lingering, !peerClosed else {
            close()
            return
        }
        guard !isShutdownSent else { return }
        isShutdownSent = true
        let request = UnsafeMutableRawPointer.allocate(byteCount: uv_req_size(UV_SHUTDOWN), alignment: 16)
        let result = uv_shutdown(request.assumingMemoryBound(to: uv_shutdown_t.self), stream, shutdownFinished)
        if result < 0 {
            request.deallocate()
            close()
            return
        }
        startReading()
    }
}

private let writeFinished: uv_write_cb = { request, status in
    guard let request else { return }
    request.pointee.data?.deallocate()
    let stream = request.pointee.handle
    UnsafeMutableRawPointer(request).deallocate()
    // A write on a closed handle completes with ECANCELED from inside uv_close; the handle (and so
    // its owner) is still alive until the close callback, which runs after this.
    if let stream {
        uvOwner(of: stream, as: HTTPConnection.self).didFinishWrite(status: status)
    }
}

private let shutdownFinished: uv_shutdown_cb = { request, _ in
    guard let request else { return }
    UnsafeMutableRawPointer(request).deallocate()
}

/// Serialises response heads.
enum HTTPResponseEncoder {
    enum Framing {
        case length(Int)
        case chunked
        /// The body ends when the connection closes (streams to HTTP/1.0 clients).
        case untilClose
    }

    static func head(
        status: HTTPStatus, headers: HTTPHeaders, framing: Framing, closing: Bool,
        keepAliveHTTP10: Bool = false, server: HTTPServer
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        appendHead(
            to: &bytes, status: status, headers: headers, framing: framing, closing: closing,
            keepAliveHTTP10: keepAliveHTTP10, server: server)
        return bytes
    }

    static func appendHead(
        to bytes: inout [UInt8], status: HTTPStatus, headers: HTTPHeaders, framing: Framing,
        closing: Bool, keepAliveHTTP10: Bool = false, server: HTTPServer
    ) {
        bytes.reserveCapacity(bytes.count + 160 + headers.count * 40)
        bytes += "HTTP/1.1 ".utf8
        appendDecimal(status.code, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes += status.reason.utf8
        bytes += "\r\n".utf8
        for (name, value) in headers {
            bytes += name.utf8
            bytes += ": ".utf8
            bytes += value.utf8
            bytes += "\r\n".utf8
        }
        bytes += server.dateHeaderLine
        if let name = server.configuration.serverName {
            bytes += "Server: ".utf8
            bytes += name.utf8
            bytes += "\r\n".utf8
        }
        switch framing {
        case .length(let length):
            bytes += "Content-Length: ".utf8
            appendDecimal(length, to: &bytes)
            bytes += "\r\n".utf8
        case .chunked:
            bytes += "Transfer-Encoding: chunked\r\n".utf8
        case .untilClose:
            break
        }
        if closing {
            bytes += "Connection: close\r\n".utf8
        } else if keepAliveHTTP10 {
            bytes += "Connection: keep-alive\r\n".utf8
        }
        bytes += "\r\n".utf8
    }

    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    static func chunk(_ body: [UInt8]) -> [UInt8] {
        var bytes = Array(String(body.count, radix: 16).utf8)
        bytes.reserveCapacity(bytes.count + body.count + 4)
        bytes += "\r\n".utf8
        bytes += body
        bytes += "\r\n".utf8
        return bytes
    }

    static let lastChunk = Array("0\r\n\r\n".utf8)
}
