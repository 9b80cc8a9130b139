import Foundation
import GRDB
import OrderDomain
import SyncCore
import TestSupport
import Testing

@testable import StorageSupport
@testable import Store

/// The stored form of a row's merge state: the compact layout round-trips every state, is
/// deterministic, rejects truncated bytes, and the layout before 2026-12-08 still reads (and is
/// migrated away on a replica).
@Suite struct RowStateCodecTests {
    static let names = [
        "customer_name", "notes", "quantity", "unit_price", "custom_measurements", "status", "a_field_not_listed", "",
    ]
    static let nodes = [
        "3f2c1a9e-5b7d-4c1e-9a2b-0123456789ab", "00000000-0000-0000-0000-000000000000", "central",
        "3F2C1A9E-5B7D-4C1E-9A2B-0123456789AB", "node-a", "3f2c1a9e-5b7d-4c1e-9a2b-0123456789a",
    ]

    static func randomValue(_ random: inout SplitMix64) -> FieldValue {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: .null
        case 1: .integer(Int64.random(in: Int64.min...Int64.max, using: &random))
        case 2: .integer(Int64.random(in: -300...300, using: &random))
        case 3: .real(Double.random(in: -1e9...1e9, using: &random))
        case 4: .bool(random.chance(0.5))
        default: .text(random.pick(["", "Zelda Okafor", "naïve café ☕️", String(repeating: "x", count: 300)]))
        }
    }

    static func randomStamped(_ random: inout SplitMix64) -> StampedValue {
        StampedValue(
            value: randomValue(&random),
            stamp: HLCStamp(
                hlc: HLC(packed: UInt64.random(in: 0...UInt64.max, using: &random)), nodeID: random.pick(nodes)),
            sequence: random.pick([0, 1, 127, 128, Int64.max, -1]), version: random.pick([0, 5, 1 << 40, -7]))
    }

    @Test func everyStateRoundTripsInBothLayouts() throws {
        for seed in 0..<300 {
            var random = SplitMix64(seed: UInt64(seed))
            var fields: [String: StampedValue] = [:]
            // Fields of one row often share their change: reuse a stamp with some probability.
            var previous: StampedValue?
            for name in Self.names where random.chance(0.6) {
                var value = Self.randomStamped(&random)
                if let previous, random.chance(0.5) {
                    value = StampedValue(
                        value: value.value, stamp: previous.stamp, sequence: previous.sequence,
                        version: previous.version)
                }
                fields[name] = value
                previous = value
            }
            let compact = Data(RowStateCodec.encode(fields: fields))
            let legacy = Data(RowStateCodec.encodeLegacy(fields: fields))
            #expect(try RowStateCodec.decodeFields(compact) == fields, "seed \(seed)")
            #expect(try RowStateCodec.decodeFields(legacy) == fields, "seed \(seed)")
            #expect(!RowStateCodec.isLegacy(compact) && RowStateCodec.isLegacy(legacy))
            #expect(compact.count <= legacy.count, "seed \(seed)")
            let single = Self.randomStamped(&random)
            #expect(try RowStateCodec.decodeStamp(Data(RowStateCodec.encode(single))) == single, "seed \(seed)")
            #expect(try RowStateCodec.decodeStamp(Data(RowStateCodec.encodeLegacy(single))) == single)
        }
    }

    @Test func equalStatesEncodeToEqualBytesAndTruncationIsRefused() throws {
        var random = SplitMix64(seed: 11)
        var forwards: [String: StampedValue] = [:]
        var backwards: [String: StampedValue] = [:]
        let values = Self.names.map { ($0, Self.randomStamped(&random)) }
        for (name, value) in values { forwards[name] = value }
        for (name, value) in values.reversed() { backwards[name] = value }
        let bytes = RowStateCodec.encode(fields: forwards)
        #expect(bytes == RowStateCodec.encode(fields: backwards))
        for length in 1..<bytes.count {
            #expect(throws: (any Error).self, "prefix of \(length) bytes") {
                try RowStateCodec.decodeFields(Data(bytes.prefix(length)))
            }
        }
    }

    /// A row created by one change stores its stamp once: far below the old layout.
    @Test func aRowWrittenByOneChangeIsSmall() {
        let stamp = HLCStamp(hlc: HLC(packed: 1_800_000_000_000 << 16), nodeID: Self.nodes[0])
        var fields: [String: StampedValue] = [:]
        for name in ["order_number", "customer_name", "customer_email", "priority", "currency", "created_at"] {
            fields[name] = StampedValue(value: .text("S01-W1-000001"), stamp: stamp, sequence: 1, version: 1)
        }
        let compact = RowStateCodec.encode(fields: fields).count
        let legacy = RowStateCodec.encodeLegacy(fields: fields).count
        #expect(compact < 150 && legacy > 500, "compact \(compact), legacy \(legacy)")
    }

    /// A replica whose confirmed rows are in the old layout gets them rewritten when opened, with
    /// the same states, the same visible tables, and keeps syncing.
    @Test func aReplicaInTheOldLayoutIsRewrittenCompact() throws {
        var harness = SyncHarness()
        let w1 = try harness.node("W1")
        let w2 = try harness.node("W2")
        let order = try w1.createOrder(sampleDraft(), by: .test("ana"))
        try harness.sync(w1)
        try harness.sync(w2)
        let path = w2.path
        // Confirmed rows as they were before both `2026-12-08-compact-rows` and the layout after it.
        let states = try ConfirmedRowsLayoutTests.revertToTheEntityKeyedLayout(path) { state in
            (
                Data(RowStateCodec.encodeLegacy(fields: state.fields)),
                state.appended.map { Data(RowStateCodec.encodeLegacy($0)) },
                state.tombstone.map { Data(RowStateCodec.encodeLegacy($0)) }
            )
        }
        try DatabaseQueue(path: path, configuration: ConfirmedRowsLayoutTests.waiting).write { db in
            let legacy = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM confirmed_rows WHERE substr(fields, 1, 1) <> x'FE'")
            #expect(legacy == states.count)
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '2026-12-08-compact-rows'")
        }
        #expect(states.count >= 3)
        let visible = try w2.visibleTables()
        let reopened = try OrderStore.open(directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(try reopened.visibleTables() == visible)
        let after = try ConfirmedRowsLayoutTests.confirmedStates(path)
        let legacyLeft = try reopened.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM confirmed_rows WHERE substr(fields, 1, 1) <> x'FE'")
        }
        #expect(legacyLeft == 0)
        #expect(after == states)
        // It keeps syncing: W1's next edit reaches the rewritten replica.
        try w1.updateOrder(order.id, OrderPatch(notes: "after the rewrite"), by: .test("ana"))
        try harness.sync(w1)
        try harness.pull(reopened)
        #expect(try reopened.order(order.id).notes == "after the rewrite")
    }
}
