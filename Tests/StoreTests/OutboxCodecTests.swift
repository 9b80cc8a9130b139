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
    }
}
