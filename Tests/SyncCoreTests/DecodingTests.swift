import Testing

@testable import SyncCore

/// Strict decoding: every malformed message is refused with a typed error that says where.
@Suite struct DecodingTests {
    static let change =
        #"{"node_id":"W1","sequence":1,"hlc":115610697072640000,"entity":"orders","row_id":"o-1","order_id":"o-1","#
        + #""op":"set_fields","fields":{"notes":"x"},"author":"a@b","base_version":0}"#

    static func push(_ change: String = change, version: String = "3", extra: String = "") -> String {
        #"{"protocol_version":\#(version),"node_id":"W1","changes":[\#(change)]\#(extra)}"#
    }

    static func decodeError(_ text: String) -> SyncDecodingError? {
        do {
            _ = try PushRequest.decode(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesAWellFormedPush() throws {
        let request = try PushRequest.decode(Array(Self.push().utf8))
        #expect(request.changes.first?.fields["notes"] == .text("x"))
        #expect(request.changes.first?.hlc.packed == 115_610_697_072_640_000)
    }

    @Test func wrongVersionNamesBothVersions() throws {
        let error = try #require(Self.decodeError(Self.push(version: "4")))
        #expect(error.problem == .unsupportedVersion(VersionMismatch(peerVersion: 4, supported: 3...3)))
        #expect(error.description == "peer speaks sync protocol version 4; this side speaks version 3")
        let reply = ErrorResponse(error)
        #expect(reply.code == .unsupportedProtocolVersion && reply.httpStatus == 426)
        #expect(reply.peerVersion == 4 && reply.supportedVersions == 3...3)
    }

    @Test func versionIsCheckedBeforeUnknownFields() throws {
        // A newer peer's message is a version mismatch, not a complaint about its new fields.
        let error = try #require(Self.decodeError(Self.push(version: "4", extra: #","batch_id":"x""#)))
        #expect(error.code == .unsupportedProtocolVersion)
    }

    @Test func missingVersionIsRefused() throws {
        let error = try #require(Self.decodeError(#"{"node_id":"W1","changes":[]}"#))
        #expect(error.path == "protocol_version" && error.problem == .missingField)
    }

    @Test(arguments: [
        (#""op":"set_fields""#, #""op":"frobnicate""#, "changes[0].op", "invalid value 'frobnicate'"),
        (#""entity":"orders""#, #""entity":"invoices""#, "changes[0].entity", "invalid value 'invoices'"),
        (#""sequence":1"#, #""sequence":0"#, "changes[0].sequence", "integer in 1..."),
        (#""sequence":1"#, #""sequence":"1""#, "changes[0].sequence", "must be an integer, found string"),
        (#""sequence":1"#, #""sequence":1.0"#, "changes[0].sequence", "must be an integer, found number"),
        (#""hlc":115610697072640000"#, #""hlc":0"#, "changes[0].hlc", "integer in 1..."),
        (#""row_id":"o-1""#, #""row_id":"""#, "changes[0].row_id", "non-empty string"),
        (#""author":"a@b","#, "", "changes[0].author", "required but missing"),
        (
            #""fields":{"notes":"x"}"#, #""fields":{"notes":{"a":1}}"#, "changes[0].fields.notes",
            "JSON documents travel as strings"
        ),
        (#""fields":{"notes":"x"}"#, #""fields":["x"]"#, "changes[0].fields", "must be an object, found array"),
        (
            #""base_version":0"#, #""base_version":0,"colour":"navy""#, "changes[0].colour",
            "not a field of this message"
        ),
    ])
    func refusesMalformedChanges(original: String, replacement: String, path: String, expected: String) throws {
        let text = Self.push(Self.change.replacingOccurrences(of: original, with: replacement))
        let error = try #require(Self.decodeError(text), "accepted: \(text)")
        #expect(error.path == path)
        #expect(error.description.contains(expected), "\(error.description)")
        #expect(error.code == .invalidMessage)
    }

    @Test func refusesNonJSONWithMalformedJSONCode() throws {
        let error = try #require(Self.decodeError(#"{"protocol_version":3,"#))
        #expect(error.code == .malformedJSON)
        #expect(ErrorResponse(error).httpStatus == 400)
    }

    @Test func refusesUnknownTopLevelField() throws {
        let error = try #require(Self.decodeError(Self.push(extra: #","hint":true"#)))
        #expect(error.path == "hint" && error.problem == .unknownField)
    }

    @Test func refusesIdentifiersOverTheLimit() throws {
        let long = String(repeating: "x", count: Change.maximumIdentifierLength + 1)
        let error = try #require(
            Self.decodeError(
                Self.push(Self.change.replacingOccurrences(of: #""row_id":"o-1""#, with: #""row_id":"\#(long)""#))))
        #expect(error.path == "changes[0].row_id")
    }

    @Test func outcomesMustBeConsistent() {
        let rejectedWithoutReason =
            #"{"protocol_version":3,"node_id":"W1","acknowledged_through":1,"head_version":1,"#
            + #""outcomes":[{"sequence":1,"result":"rejected","conflicts":[],"replayed":false}]}"#
        #expect(throws: SyncDecodingError.self) { try PushResponse.decode(Array(rejectedWithoutReason.utf8)) }
        let appliedWithoutVersion =
            #"{"protocol_version":3,"node_id":"W1","acknowledged_through":1,"head_version":1,"#
            + #""outcomes":[{"sequence":1,"result":"applied","conflicts":[],"replayed":false}]}"#
        #expect(throws: SyncDecodingError.self) { try PushResponse.decode(Array(appliedWithoutVersion.utf8)) }
    }

    @Test func pullPagesMustBeOrderedAndEndAtTheirCursor() {
        let change = Self.change
        let unordered =
            #"{"protocol_version":3,"entries":[{"version":2,"change":\#(change),"displaced":[]},{"version":1,"#
            + #""change":\#(change),"displaced":[]}],"next_cursor":1,"has_more":false,"head_version":2}"#
        #expect(throws: SyncDecodingError.self) { try PullResponse.decode(Array(unordered.utf8)) }
        let wrongCursor =
            #"{"protocol_version":3,"entries":[{"version":2,"change":\#(change),"displaced":[]}],"next_cursor":5,"#
            + #""has_more":false,"head_version":5}"#
        #expect(throws: SyncDecodingError.self) { try PullResponse.decode(Array(wrongCursor.utf8)) }
    }

    @Test func pullQueryIsChecked() throws {
        #expect(try PullRequest(query: ["after": "7"]) == PullRequest(after: 7, limit: ProtocolLimits.defaultPullLimit))
        #expect(try PullRequest(query: ["after": "0", "limit": "999999"]).limit == ProtocolLimits.maximumPullLimit)
        #expect { try PullRequest(query: [:]) } throws: { ($0 as? ErrorResponse)?.code == .invalidCursor }
        #expect { try PullRequest(query: ["after": "-1"]) } throws: { ($0 as? ErrorResponse)?.code == .invalidCursor }
        #expect { try PullRequest(query: ["after": "1", "limit": "0"]) } throws: {
            ($0 as? ErrorResponse)?.code == .invalidMessage
        }
        #expect { try PullRequest(query: ["after": "1", "since": "2"]) } throws: {
            ($0 as? ErrorResponse)?.code == .invalidMessage
        }
        let request = PullRequest(after: 42, limit: 100)
        let query = Dictionary(
            uniqueKeysWithValues: request.queryString.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            })
        #expect(try PullRequest(query: query) == request)
    }

    @Test func errorBodiesAndHealthAreReadableAcrossVersions() throws {
        let future = #"{"protocol_version":7,"error":{"code":"unauthorized","message":"token revoked"}}"#
        #expect(try ErrorResponse.decode(Array(future.utf8)).code == .unauthorized)
        let health = #"{"protocol_version":3,"status":"ok","supported_versions":{"min":4,"max":5},"head_version":5}"#
        let response = try HealthResponse.decode(Array(health.utf8))
        #expect(throws: VersionMismatch.self) { try response.negotiate() }
        #expect(try HealthResponse(headVersion: 0).negotiate() == ProtocolVersion.current)
    }

    @Test func streamEventFrameCarriesTheVersionAsID() throws {
        #expect(
            StreamEvent(headVersion: 42).sseFrame
                == "id: 42\nevent: log\ndata: {\"head_version\":42,\"protocol_version\":3}\n\n")
        #expect(try StreamEvent.resumeVersion(lastEventID: nil) == 0)
        #expect(try StreamEvent.resumeVersion(lastEventID: " 42 ") == 42)
        #expect { try StreamEvent.resumeVersion(lastEventID: "abc") } throws: {
            ($0 as? ErrorResponse)?.code == .invalidCursor
        }
    }

    @Test func everyErrorCodeHasAClientOrServerStatus() {
        for code in ErrorCode.allCases { #expect((400...599).contains(code.httpStatus)) }
        #expect(ErrorCode.unsupportedProtocolVersion.httpStatus == 426)
        #expect(ErrorCode.sequenceGap.httpStatus == 409)
    }
}
