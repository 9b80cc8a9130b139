import Testing

@testable import SyncCore

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null, "x\u00e9\n\"\\\/"], "b": {}} "#)
        #expect(
            value
                == .object([
                    "a": .array([
                        .integer(1), .integer(-2), .real(3.5), .real(1000), .bool(true), .bool(false), .null,
                        .string("xé\n\"\\/"),
                    ]),
                    "b": .object([:]),
                ]))
    }

    @Test func keepsSixtyFourBitIntegersExact() throws {
        let hlc: Int64 = 115_610_698_383_360_001 // above 2^53
        #expect(try JSONValue.parse("\(hlc)") == .integer(hlc))
        #expect(JSONValue.integer(hlc).canonicalString == "\(hlc)")
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONValue.parse(#""\ud83d\udc54""#) == .string("👔"))
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        (#"{"a":1,}"#, "expected a string key"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}'"),
        (#"{"a":1,"a":2}"#, "duplicate key 'a'"),
        ("[1,]", "unexpected character"),
        ("01", "leading zero"),
        ("1.", "expected a digit after '.'"),
        ("-", "expected a digit"),
        ("99999999999999999999", "does not fit in 64 bits"),
        ("1e999", "out of range"),
        (#""abc"#, "unterminated string"),
        ("\"a\u{01}b\"", "control character"),
        (#""\x""#, "invalid escape"),
        (#""\ud83d""#, "lone high surrogate"),
        ("tru", "unexpected end of input"),
        ("nul!", "invalid literal"),
        ("{} {}", "unexpected data after the JSON value"),
    ])
    func refusesMalformedJSON(text: String, expected: String) {
        #expect {
            _ = try JSONValue.parse(text)
        } throws: { error in
            (error as? JSONParseError)?.message.contains(expected) == true
        }
    }

    @Test func refusesNestingBeyondTheLimit() {
        let deep =
            String(repeating: "[", count: JSONValue.maximumDepth + 1)
            + String(repeating: "]", count: JSONValue.maximumDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let fine =
            String(repeating: "[", count: JSONValue.maximumDepth)
            + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(throws: Never.self) { try JSONValue.parse(fine) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func canonicalFormSortsKeysAndDropsWhitespace() throws {
        let value = try JSONValue.parse(#"{ "b" : 1, "a" : [ 2.0, "é\u0001" ], "A": null }"#)
        #expect(value.canonicalString == #"{"A":null,"a":[2.0,"é\u0001"],"b":1}"#)
        #expect(try JSONValue.parse(value.canonicalString) == value)
        #expect(try JSONValue.parse(value.formatted) == value)
    }
}
