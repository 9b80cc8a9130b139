import Foundation
import Testing

@testable import SyncCore

/// protocol/vectors/ holds every request and reply of `VectorScenario`. Each vector must decode
/// and re-encode to exactly its canonical bytes, match its JSON Schema, and be what the code
/// produces today. After a deliberate protocol change, regenerate with
/// `KCT_WRITE_VECTORS=1 swift test --filter GoldenVectorTests` and review the diff.
@Suite struct GoldenVectorTests {
    static let protocolDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol")
    static let vectorDirectory = protocolDirectory.appendingPathComponent("vectors")

    static func readJSON(_ url: URL) throws -> JSONValue {
        try JSONValue.parse(Array(try Data(contentsOf: url)))
    }

    static func vectorFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: vectorDirectory.path).filter { $0.hasSuffix(".json") }
            .sorted()
    }

    @Test func scenarioProducesTheVectors() throws {
        let produced = VectorScenario.vectors()
        if ProcessInfo.processInfo.environment["KCT_WRITE_VECTORS"] == "1" {
            for (name, value) in produced {
                try value.formatted.write(
                    to: Self.vectorDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        #expect(try Self.vectorFiles() == produced.map(\.name).sorted())
        for (name, value) in produced {
            let stored = try Self.readJSON(Self.vectorDirectory.appendingPathComponent(name))
            #expect(stored.canonicalString == value.canonicalString, "\(name) differs from what the code produces")
        }
    }

    @Test func everyVectorRoundTripsToItsCanonicalBytes() throws {
        for name in try Self.vectorFiles() {
            let stored = try Self.readJSON(Self.vectorDirectory.appendingPathComponent(name))
            guard let reencoded = try VectorScenario.roundTrip(name, stored) else { continue }
            #expect(reencoded.canonicalBytes == stored.canonicalBytes, "\(name) does not survive decode and encode")
            // The file is the readable layout of the canonical form.
            let text = try String(contentsOf: Self.vectorDirectory.appendingPathComponent(name), encoding: .utf8)
            #expect(text == stored.formatted, "\(name) is not in the canonical layout")
        }
    }

    @Test func everyVectorMatchesItsSchema() throws {
        let schemaDirectory = Self.protocolDirectory.appendingPathComponent("schemas")
        var documents: [String: JSONValue] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)
        where file.hasSuffix(".json") {
            documents[file] = try Self.readJSON(schemaDirectory.appendingPathComponent(file))
        }
        let validator = SchemaValidator(documents: documents)
        for name in try Self.vectorFiles() {
            let schema = try #require(VectorScenario.schema(for: name), "\(name) has no schema")
            let problems = validator.validate(
                try Self.readJSON(Self.vectorDirectory.appendingPathComponent(name)), file: schema)
            #expect(problems.isEmpty, "\(name) against \(schema): \(problems)")
        }
    }

    @Test func schemasRefuseWhatTheDecodersRefuse() throws {
        let schemaDirectory = Self.protocolDirectory.appendingPathComponent("schemas")
        var documents: [String: JSONValue] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)
        where file.hasSuffix(".json") {
            documents[file] = try Self.readJSON(schemaDirectory.appendingPathComponent(file))
        }
        let validator = SchemaValidator(documents: documents)
        let good = try Self.readJSON(Self.vectorDirectory.appendingPathComponent("push-request-edits.json"))
        guard case .object(var request) = good, case .array(var changes) = request["changes"],
            case .object(var first) = changes[0]
        else {
            Issue.record("unexpected vector shape")
            return
        }
        first["op"] = .string("frobnicate")
        changes[0] = .object(first)
        request["changes"] = .array(changes)
        #expect(!validator.validate(.object(request), file: "push-request.schema.json").isEmpty)
        #expect(throws: SyncDecodingError.self) { try PushRequest(wire: .object(request), path: "") }
        request["extra"] = .bool(true)
        #expect(!validator.validate(.object(request), file: "push-request.schema.json").isEmpty)
    }
}
