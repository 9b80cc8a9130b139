import Foundation
import Testing

@testable import Store
@testable import SyncCore

@Suite struct OutboxCodecTests {
    @Test func handWrittenEncodingRoundTripsThroughJSONDecoder() throws {
        let fields: [String: FieldValue] = [
            "note": .text("said \"hi\"\nthen\\left\t\u{1}ok — ü 👔"),
            "quantity": .integer(-42),
            "big": .integer(Int64.max),
            "phone": .null,
            "customer_notified": .bool(true),
            "ratio": .real(0.25),
            "": .text(""),
        ]
        let text = OutboxCodec.encode(fields)
        #expect(try OutboxCodec.decode(text) == fields)
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        #expect(OutboxCodec.encode(["b": .integer(1), "a": .integer(2)]) == #"{"a":2,"b":1}"#)
        // Control characters as \u00XX, other characters (multi-byte UTF-8 included) as they are.
        #expect(OutboxCodec.encode(.text("a\u{1}\u{1F}\"\\\n — 👔")) == #""a\u0001\u001f\"\\\n — 👔""#)
    }
}
