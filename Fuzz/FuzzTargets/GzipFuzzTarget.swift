import HTTP
import SyncCore

/// Central's gzip decompression of push bodies: any bytes either decompress within the limit or
/// throw `ZlibError`; what decompresses must survive compress → decompress unchanged.
enum GzipFuzzTarget {
    /// Small, so the limit itself is exercised by short inputs.
    static let limit = 64 * 1024

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) -> String {
        let plain: [UInt8]
        do {
            plain = try Gzip.decompress(bytes, limit: limit)
        } catch {
            return "refused: \(error)"
        }
        guard plain.count <= limit else {
            throw FuzzFailure(.gzip, "decompressed \(plain.count) bytes past the \(limit)-byte limit")
        }
        let again: [UInt8]
        do {
            again = try Gzip.decompress(try Gzip.compress(plain), limit: limit)
        } catch {
            throw FuzzFailure(.gzip, "re-compressing \(plain.count) decompressed bytes failed: \(error)")
        }
        guard again == plain else { throw FuzzFailure(.gzip, "compress → decompress changed \(plain.count) bytes") }
        return "\(bytes.count) bytes → \(plain.count) bytes"
    }
}
