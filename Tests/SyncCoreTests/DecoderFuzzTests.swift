import Foundation
import PropertyBased
import TestSupport
import Testing

@testable import SyncCore

/// Hostile bytes at the decoders: mutated and truncated vectors either decode or are refused
/// with a typed error (never a crash or a hang), and anything that decodes re-encodes to a
/// message that decodes to the same value.
@Suite struct DecoderFuzzTests {
    static let cases = ProcessInfo.processInfo.environment["KCT_PROPERTY_CASES"].flatMap(Int.init) ?? 250

    static let seeds: [[UInt8]] = [
        "push-request-edits.json", "push-response-edits.json", "pull-response.json", "snapshot-page.json",
        "checksums-response.json", "bucket-response.json",
    ].map { name in
        (try? Array(Data(contentsOf: GoldenVectorTests.vectorDirectory.appendingPathComponent(name)))) ?? []
    }

    @Test func mutatedMessagesAreDecodedOrRefusedCleanly() async {
        #expect(Self.seeds.allSatisfy { !$0.isEmpty })
        await propertyCheck(count: Self.cases, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix64(seed: seed)
            var bytes = rng.pick(Self.seeds)
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                guard !bytes.isEmpty else { break }
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(rng.pick(Array(#"{}[]",:0123456789-.eE"\ntrufalsn"#.utf8)), at: index)
                default: bytes.removeSubrange(index...)
                }
            }
            Self.check(PushRequest.self, bytes)
            Self.check(PushResponse.self, bytes)
            Self.check(PullResponse.self, bytes)
            Self.check(SnapshotPage.self, bytes)
            Self.check(ChecksumsResponse.self, bytes)
            Self.check(BucketResponse.self, bytes)
        }
    }

    static func check<M: WireCodable & Equatable>(_ type: M.Type, _ bytes: [UInt8]) {
        do {
            let message = try M.decode(bytes)
            #expect(try M.decode(message.encoded()) == message)
        } catch {
            #expect(!error.description.isEmpty)
        }
    }

    @Test func canonicalJSONRoundTrips() async {
        await propertyCheck(count: Self.cases, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix64(seed: seed)
            let value = Self.randomValue(depth: 0, rng: &rng)
            let parsed = try JSONValue.parse(value.canonicalBytes)
            #expect(parsed == value)
            #expect(parsed.canonicalBytes == value.canonicalBytes)
            #expect(try JSONValue.parse(value.formatted) == value)
        }
    }

    static func randomValue(depth: Int, rng: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<(depth < 4 ? 8 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(rng.chance(0.5))
        case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .real(Double.random(in: -1e12...1e12, using: &rng))
        case 4, 5:
            let alphabet = Array("aé\"\\\n\t\u{01}👔 z/")
            return .string(String((0..<Int.random(in: 0...8, using: &rng)).map { _ in rng.pick(alphabet) }))
        case 6:
            return .array(
                (0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(depth: depth + 1, rng: &rng) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0...4, using: &rng) {
                members["k\(index)\(rng.pick(["", "é", "_x"]))"] = randomValue(depth: depth + 1, rng: &rng)
            }
            return .object(members)
        }
    }
}
