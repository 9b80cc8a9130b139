import HTTP
import SyncCore

/// Raw bytes from a client into the server's request parser, with the server's default limits,
/// fed once whole and once in chunks whose sizes derive from the input (as reads split a stream
/// anywhere). Both must end alike: in requests, a clean 4xx error, or waiting for more bytes.
/// Each request then goes where the server takes it: query, bearer token, the pull cursor, and a
/// push body through central's decompression and decoding.
enum HTTPFuzzTarget {
    static let limits = HTTPServer.Configuration()

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) -> String {
        let whole = try feed(bytes, chunkSizes: [bytes.count])
        let chunked = try feed(bytes, chunkSizes: chunkSizes(for: bytes))
        guard whole == chunked else {
            throw FuzzFailure(
                .http, "the outcome depends on how the bytes are split:\n  whole:   \(whole)\n  chunked: \(chunked)")
        }
        return whole.joined(separator: "; ")
    }

    /// What parsing `bytes` in chunks of these sizes amounted to, one line per request and a last
    /// line for how it ended.
    private static func feed(_ bytes: [UInt8], chunkSizes: [Int]) throws(FuzzFailure) -> [String] {
        let parser = HTTPRequestParser(limitsOf: limits)
        var summary: [String] = []
        var start = 0
        for size in chunkSizes where start < bytes.count {
            let end = min(bytes.count, start + size)
            // A fresh array per chunk: like a read buffer, the parser may only look at this chunk.
            let chunk = Array(bytes[start..<end])
            start = end
            var offset = 0
            while offset < chunk.count {
                let (consumed, outcome) = chunk.withUnsafeBytes {
                    parser.execute(UnsafeRawBufferPointer(rebasing: $0[offset...]))
                }
                guard consumed <= chunk.count - offset else {
                    throw FuzzFailure(.http, "the parser consumed \(consumed) of \(chunk.count - offset) bytes")
                }
                offset += consumed
                switch outcome {
                case .request(let request, let keepAlive):
                    summary.append(try describe(request, keepAlive: keepAlive))
                    if !keepAlive { return summary + ["closed after the request"] }
                case .failed(let error):
                    guard (400..<500).contains(error.status.code) else {
                        throw FuzzFailure(.http, "malformed input answered with \(error)")
                    }
                    return summary + ["error \(error.status.code): \(error.message)"]
                case .needsMoreInput:
                    if consumed == 0 { return summary + ["stopped with \(chunk.count - offset) bytes unparsed"] }
                }
            }
        }
        return summary + ["waiting for more"]
    }

    private static func describe(_ request: HTTPRequest, keepAlive: Bool) throws(FuzzFailure) -> String {
        guard request.body.count <= limits.maxBodyBytes else {
            throw FuzzFailure(
                .http, "a body of \(request.body.count) bytes passed the \(limits.maxBodyBytes)-byte limit")
        }
        let headers = request.headers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        var line =
            "\(request.method.name) \(request.target) HTTP/\(request.version.major).\(request.version.minor) "
            + "[\(headers)] body \(request.body.count) keepAlive \(keepAlive)"
        line +=
            " query \(request.query.sorted { $0.key < $1.key }) bearer \(request.bearerToken ?? "-") gzip "
            + "\(request.acceptsGzip)"
        if request.path == "/v1/pull" {
            line +=
                (try? PullRequest(query: request.query)).map { " pull after \($0.after) limit \($0.limit)" }
                ?? " bad pull query"
        }
        if request.method == .post, request.path == "/v1/push" {
            line += " push: " + (try pushBody(request))
        }
        return line
    }

    /// Central's push path after the parser: Content-Encoding, the size limit, the decoders.
    private static func pushBody(_ request: HTTPRequest) throws(FuzzFailure) -> String {
        let encoding = request.headers["Content-Encoding"]?.lowercased() ?? "identity"
        var body = request.body
        if encoding.contains("gzip") {
            do {
                body = try Gzip.decompress(body, limit: ProtocolLimits.maximumBodyBytes)
            } catch {
                return "gzip refused: \(error)"
            }
        }
        return try ProtocolFuzzTarget.run(body)
    }

    /// Chunk sizes from 1 to 64 bytes drawn from a generator seeded with the input's FNV-1a hash,
    /// so every mutation of an input also tries another split.
    static func chunkSizes(for bytes: [UInt8]) -> [Int] {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var sizes: [Int] = []
        var covered = 0
        while covered < bytes.count {
            // xorshift64*; a zero state would stay zero.
            if state == 0 { state = 0x9e37_79b9_7f4a_7c15 }
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            let size = Int((state &* 0x2545_f491_4f6c_dd1d) >> 58) + 1
            sizes.append(size)
            covered += size
        }
        return sizes
    }
}
