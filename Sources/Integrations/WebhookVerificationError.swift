/// Why a webhook was refused. Central answers 400 with `description`, which never contains the
/// secret or the expected signature.
package enum WebhookVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The signature header is missing.
    case unsigned(header: String)
    /// The header is present but not in the provider's format.
    case malformedSignature(String)
    /// No signature matches the payload.
    case badSignature
    /// The signed timestamp is further than the tolerance from now.
    case stale(ageSeconds: Int64, toleranceSeconds: Int64)
    /// The signature is good but the payload is not the event shape expected.
    case malformedPayload(String)

    package var description: String {
        switch self {
        case .unsigned(let header): "the webhook has no \(header) header"
        case .malformedSignature(let reason): "the webhook's signature header is malformed: \(reason)"
        case .badSignature: "the webhook's signature does not match its payload"
        case .stale(let age, let tolerance):
            "the webhook's signed timestamp is \(age) s away from now (tolerance \(tolerance) s): refused as a replay"
        case .malformedPayload(let reason): "the webhook's payload is not understood: \(reason)"
        }
    }
}

/// Seconds since 1970, read when a webhook is verified; tests pass a fixed one.
package typealias WebhookClock = @Sendable () -> Int64

enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lower- or upper-case hex; nil when the text is not whole bytes of hex.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
