import CZlib

/// A zlib failure: the call, zlib's code and its message.
package struct ZlibError: Error, Sendable, Equatable, CustomStringConvertible {
    package let code: Int32
    package let operation: String
    package let message: String

    package var description: String { "\(operation) failed (zlib \(code)): \(message)" }
}

/// Streaming gzip compression. Each `compress` call returns the bytes produced so far; with
/// `flush: true` the output is flushed to a byte boundary (Z_SYNC_FLUSH) so a streaming reader
/// can decode everything written so far. `finish` ends the gzip member.
final class GzipDeflater {
    private var stream = z_stream()
    private var isOpen = false

    init(level: Int32 = 6) throws(ZlibError) {
        let result = kct_deflate_init_gzip(&stream, level)
        guard result == Z_OK else {
            throw ZlibError(code: result, operation: "deflateInit2", message: Self.message(stream, result))
        }
        isOpen = true
    }

    deinit {
        if isOpen { deflateEnd(&stream) }
    }

    func compress(_ input: [UInt8], flush: Bool = false) throws(ZlibError) -> [UInt8] {
        try run(input, mode: flush ? Z_SYNC_FLUSH : Z_NO_FLUSH)
    }

    func finish() throws(ZlibError) -> [UInt8] {
        let output = try run([], mode: Z_FINISH)
        deflateEnd(&stream)
        isOpen = false
        return output
    }

    private func run(_ input: [UInt8], mode: Int32) throws(ZlibError) -> [UInt8] {
        precondition(isOpen, "GzipDeflater used after finish()")
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(1024, input.count / 2 + 64))
        var failure: ZlibError?
        input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    let result = deflate(&stream, mode)
                    if result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR {
                        failure = ZlibError(code: result, operation: "deflate", message: Self.message(stream, result))
                    }
                    return chunkBuffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
            } while failure == nil && stream.avail_out == 0
            stream.next_in = nil
        }
        if let failure { throw failure }
        return output
    }

    private static func message(_ stream: z_stream, _ code: Int32) -> String {
        stream.msg.map { String(cString: $0) } ?? "code \(code)"
    }
}

/// Whole-buffer gzip helpers.
package enum Gzip {
    package static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(ZlibError) -> [UInt8] {
        let deflater = try GzipDeflater(level: level)
        var output = try deflater.compress(bytes)
        output += try deflater.finish()
        return output
    }

    /// Decompresses gzip or zlib data; throws on corrupt or truncated input, or if the result
    /// would exceed `limit` bytes.
    package static func decompress(_ bytes: [UInt8], limit: Int = 64 << 20) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        let initResult = kct_inflate_init_auto(&stream)
        guard initResult == Z_OK else {
            throw ZlibError(code: initResult, operation: "inflateInit2", message: "code \(initResult)")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var failure: ZlibError?
        var finished = false
        bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while failure == nil && !finished {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    let result = inflate(&stream, Z_NO_FLUSH)
                    if result == Z_STREAM_END {
                        finished = true
                    } else if result != Z_OK {
                        let message =
                            stream.msg.map { String(cString: $0) }
                            ?? (result == Z_BUF_ERROR ? "truncated input" : "code \(result)")
                        failure = ZlibError(code: result, operation: "inflate", message: message)
                    }
                    return chunkBuffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit {
                    failure = ZlibError(
                        code: Z_DATA_ERROR, operation: "inflate", message: "output exceeds \(limit) bytes")
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}
