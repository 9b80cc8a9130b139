import CZlib
import Foundation
import SyncCore

/// How the log stores each accepted change: its canonical wire text, deflated alone against a
/// fixed dictionary of the protocol's keys and common values (issue #15: the text was ~570 B a
/// change, ~40% of central's bytes per order; packed ~190 B). Unpacking gives back the exact
/// bytes packed, so pulls still splice stored changes into their pages without re-encoding.
///
/// Layout: one format byte, then a raw deflate stream. Format 1 uses `dictionaryV1`. Stored
/// values depend on the dictionary byte for byte: a better one is a new format, never an edit.
enum LogChangeCodec {
    static let formatV1: UInt8 = 1

    /// Keys and values most changes repeat, the most frequent last (deflate reaches the end of
    /// its dictionary with the shortest distances): every change's keys, then each entity's fields.
    static let dictionaryV1: [UInt8] = Array(
        """
        "op":"set_status","fields":{"from_status":"pending_payment","status":"payment_confirmed"},\
        "processing","in_production","quality_check","ready_for_pickup","shipped","delivered",\
        "completed","cancelled","on_hold","exception","refunded","resume_status":null,\
        "note":null"entity":"order_exceptions","fields":{"created_at":"","customer_notified":false,\
        "description":"","exception_type":"wrong_measurement","order_id":"","reported_by":"",\
        "resolution_notes":null,"resolved_at":null,"resolved_by":null,"severity":"medium",\
        "status":"open"},"entity":"customer_communication_logs","fields":{"channel":"phone",\
        "created_at":"","created_by":"","message":"","message_type":"status_update","order_id":""},\
        "entity":"order_claims","op":"append","fields":{"claimed_at":"","claimed_by":"","order_id":"",\
        "released":false},"entity":"orders","fields":{"billing_address":null,\
        "created_at":"2026-12-07T00:00:00.000Z","created_by":"","currency":"USD",\
        "customer_email":"@example.com","customer_name":"","customer_phone":"+1 ","needed_by":null,\
        "notes":null,"order_number":"S01-W1-000001","priority":"normal","shipping_address":{"city":"",\
        "country":"US","line1":"","postal_code":"","region":""},"shipping_amount":0,\
        "status":"pending_payment","tax_amount":0},"entity":"order_items","fields":{"color":"",\
        "created_at":"2026-12-07T","custom_measurements":null,"line_number":1,"order_id":"",\
        "product_name":"","product_source":"catalog","quantity":1,"size":"",\
        "unit_price":"entity":"order_status_history","fields":{"changed_at":"2026-12-07T",\
        "changed_by":"","duration_in_previous_seconds":null,"from_status":null,"note":null,\
        "order_id":"","to_status":"pending_payment"},{"author":"@kct.example","base_version":0,\
        "entity":"orders","fields":{},"hlc":1177455217429,"node_id":"","op":"set_fields","order_id":"",\
        "row_id":"","sequence":
        """.utf8)
}

/// A malformed stored change, or zlib refusing to work.
struct LogChangeCodecError: Error, CustomStringConvertible {
    let message: String
    var description: String { "central's log: \(message)" }
}

/// Packs changes for the log; one per push or migration batch (the stream is reset between
/// changes, so its buffers are allocated once).
final class LogChangePacker {
    private var stream = z_stream()

    init() throws(LogChangeCodecError) {
        let result = kct_deflate_init_raw(&stream, 6)
        guard result == Z_OK else { throw LogChangeCodecError(message: "deflateInit2 failed (zlib \(result))") }
    }

    deinit { deflateEnd(&stream) }

    /// The stored form of a change's canonical wire text.
    func pack(_ text: some Collection<UInt8>) throws(LogChangeCodecError) -> Data {
        var input = Array(text)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 1 + 16)
        output[0] = LogChangeCodec.formatV1
        let result: Int32 = LogChangeCodec.dictionaryV1.withUnsafeBufferPointer { dictionary in
            guard deflateReset(&stream) == Z_OK,
                deflateSetDictionary(&stream, dictionary.baseAddress, UInt32(dictionary.count)) == Z_OK
            else { return Z_STREAM_ERROR }
            return input.withUnsafeMutableBufferPointer { inputBuffer in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_in = inputBuffer.baseAddress
                    stream.avail_in = UInt32(inputBuffer.count)
                    stream.next_out = outputBuffer.baseAddress! + 1
                    stream.avail_out = UInt32(outputBuffer.count - 1)
                    defer {
                        stream.next_in = nil
                        stream.next_out = nil
                    }
                    return deflate(&stream, Z_FINISH)
                }
            }
        }
        guard result == Z_STREAM_END else { throw LogChangeCodecError(message: "deflate failed (zlib \(result))") }
        return Data(output[0..<(1 + Int(stream.total_out))])
    }
}

/// Unpacks stored changes; one per pull page or read (reset between changes).
final class LogChangeUnpacker {
    private var stream = z_stream()
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init() throws(LogChangeCodecError) {
        let result = kct_inflate_init_raw(&stream)
        guard result == Z_OK else { throw LogChangeCodecError(message: "inflateInit2 failed (zlib \(result))") }
    }

    deinit { inflateEnd(&stream) }

    /// Appends the change's canonical wire text to `output`.
    func unpack(_ stored: Data, into output: inout [UInt8]) throws(LogChangeCodecError) {
        guard stored.first == LogChangeCodec.formatV1 else {
            let format = stored.first.map(String.init) ?? "(empty)"
            throw LogChangeCodecError(message: "unknown stored change format \(format)")
        }
        guard inflateReset(&stream) == Z_OK else { throw LogChangeCodecError(message: "inflateReset failed") }
        var failure: Int32?
        stored.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let packed = raw.bindMemory(to: UInt8.self)
            stream.next_in = UnsafeMutablePointer(mutating: packed.baseAddress! + 1)
            stream.avail_in = UInt32(packed.count - 1)
            defer { stream.next_in = nil }
            // Raw streams take their dictionary before the first inflate.
            let set = LogChangeCodec.dictionaryV1.withUnsafeBufferPointer { dictionary in
                inflateSetDictionary(&stream, dictionary.baseAddress, UInt32(dictionary.count))
            }
            guard set == Z_OK else {
                failure = set
                return
            }
            while true {
                let (result, produced) = buffer.withUnsafeMutableBufferPointer { chunk in
                    stream.next_out = chunk.baseAddress
                    stream.avail_out = UInt32(chunk.count)
                    defer { stream.next_out = nil }
                    return (inflate(&stream, Z_NO_FLUSH), chunk.count - Int(stream.avail_out))
                }
                output.append(contentsOf: buffer[0..<produced])
                if result == Z_STREAM_END { return }
                // Z_BUF_ERROR with input left means only that the output chunk was full.
                guard result == Z_OK || (result == Z_BUF_ERROR && produced > 0) else {
                    failure = result
                    return
                }
            }
        }
        if let failure { throw LogChangeCodecError(message: "a stored change does not inflate (zlib \(failure))") }
    }

    /// A change's canonical wire text.
    func unpack(_ stored: Data) throws(LogChangeCodecError) -> [UInt8] {
        var text: [UInt8] = []
        try unpack(stored, into: &text)
        return text
    }

    /// The stored change, decoded.
    func change(_ stored: Data) throws -> Change {
        try Change.decode(try unpack(stored))
    }
}
