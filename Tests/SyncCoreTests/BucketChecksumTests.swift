import Foundation
import PropertyBased
import TestSupport
import Testing

@testable import SyncCore

/// The checksums' canonical encoding, bucket rule and bucket sums (SYNC-PROTOCOL.md §4.11):
/// vectors that pin the bytes, and properties that hold whatever the data.
@Suite struct BucketChecksumTests {
    /// The encoding as SYNC-PROTOCOL.md §4.11 writes it, independently of `VisibleOrder.append`.
    static func text(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        let count = UInt32(utf8.count)
        return [3, UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
            + utf8
    }

    static func integer(_ number: Int64) -> [UInt8] {
        [1] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(bitPattern: number) >> (8 * UInt64($0))) }
    }

    static let tableNames = VisibleTable.all.map(\.name) + [EntityKind.integrationRequest.rawValue]

    @Test func anOrderWithNoRowsEncodesItsIdAndEmptyTables() {
        let order = VisibleOrder(orderID: "o-1", tables: [:])
        let expected = Self.text("o-1") + Self.tableNames.flatMap { Self.text($0) + Self.integer(0) }
        #expect(order.canonicalBytes == expected)
        #expect(Self.tableNames.count == 7)
    }

    @Test func valuesEncodeAsSQLiteStoresThem() {
        func bytes(_ value: FieldValue) -> [UInt8] {
            var bytes: [UInt8] = []
            VisibleOrder.append(value, to: &bytes)
            return bytes
        }
        #expect(bytes(.null) == [0])
        #expect(bytes(.integer(-2)) == [1, 255, 255, 255, 255, 255, 255, 255, 254])
        #expect(bytes(.bool(true)) == bytes(.integer(1)))
        #expect(bytes(.bool(false)) == bytes(.integer(0)))
        #expect(bytes(.real(42)) == bytes(.integer(42)))
        #expect(bytes(.real(0.5)) == [2, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0])
        #expect(bytes(.text("é")) == [3, 0, 0, 0, 2, 0xc3, 0xa9])
    }

    @Test func aRowEncodesItsColumnsInTableOrderWithMissingOnesNull() {
        let columns = VisibleOrder.columns(of: .claims)
        #expect(
            columns == ["claim_action", "stage", "claimed_by", "released_claim_id", "created_at", "hlc", "node_id"])
        let order = VisibleOrder(
            orderID: "o", tables: ["order_claims": ["c-1": ["claim_action": .text("claim"), "hlc": .integer(7)]]])
        var expected = Self.text("o")
        for name in Self.tableNames {
            expected += Self.text(name)
            guard name == "order_claims" else {
                expected += Self.integer(0)
                continue
            }
            expected += Self.integer(1) + Self.text("c-1") + Self.text("claim") + [0, 0, 0, 0] + Self.integer(7) + [0]
        }
        #expect(order.canonicalBytes == expected)
    }

    @Test func theBucketRuleIsPinned() {
        // The first two bytes of SHA-256("o-1001") are 0x7466 → 29798 mod 1024 = 102 (as in the vectors).
        #expect(BucketChecksum.bucket(ofOrder: "o-1001") == 102)
        #expect(BucketChecksum.bucket(ofOrder: "") == (0xe3b0 % 1024))
        #expect(BucketChecksum.bucketCount == 1024)
    }

    @Test func bucketsAreInRangeAndSpread() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var random = SplitMix64(seed: seed)
            var seen: Set<Int> = []
            for _ in 0..<64 {
                let id = String(random.next(), radix: 16) + "-" + String(random.next(), radix: 16)
                let bucket = BucketChecksum.bucket(ofOrder: id)
                #expect((0..<BucketChecksum.bucketCount).contains(bucket))
                seen.insert(bucket)
            }
            // 64 ids in 1024 buckets: almost all distinct (a constant rule would give one).
            #expect(seen.count > 48)
        }
    }

    @Test func aBucketSumDoesNotDependOnTheOrderOrdersAreRead() async {
        await propertyCheck(count: 100, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var random = SplitMix64(seed: seed)
            let orders = (0..<20).map { index in
                VisibleOrder(
                    orderID: "o-\(index % 3)-\(random.next() % 1000)",
                    tables: ["orders": ["o": ["notes": .text("n\(random.next() % 50)"), "tax_amount": .integer(1)]]])
            }
            var forward = ScopeChecksums()
            for order in orders { forward.add(orderID: order.orderID, digest: order.digest) }
            var shuffled = ScopeChecksums()
            var generator = random
            for order in orders.shuffled(using: &generator) {
                shuffled.add(orderID: order.orderID, digest: order.digest)
            }
            #expect(forward == shuffled)
        }
    }

    @Test func everyShownValueOfAnOrderCountsInItsDigest() throws {
        let replica = try #require(VectorScenario.finalReplica())
        let visible = try #require(replica.orderState(ofOrder: "o-1001").visible)
        var changed = 0
        for (table, rows) in visible.tables {
            for (id, values) in rows {
                for (column, value) in values {
                    var altered = visible
                    altered.tables[table]![id]![column] = value == .text("x") ? .text("y") : .text("x")
                    #expect(altered.digest != visible.digest, "\(table).\(id).\(column)")
                    changed += 1
                }
                var without = visible
                without.tables[table]![id] = nil
                #expect(without.digest != visible.digest, "\(table).\(id) left out")
            }
        }
        #expect(changed > 30)
    }

    @Test func nodesThatMergedEverythingHaveCentralsChecksums() async {
        await propertyCheck(count: 60, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var sim = Simulation(seed: seed)
            sim.run(steps: 120)
            sim.settle()
            let central = sim.central.replica.bucketChecksums()
            for node in sim.nodes {
                #expect(node.pending.isEmpty)
                #expect(node.confirmed.bucketChecksums() == central, "seed \(seed): node \(node.nodeID)")
                #expect(node.view.bucketChecksums() == central, "seed \(seed): node \(node.nodeID)")
            }
            // And a bucket's orders, as `GET /v1/buckets/N` carries them, sum to its checksum.
            for (bucket, checksum) in central.buckets {
                let orders = sim.central.replica.orderIDs.filter { BucketChecksum.bucket(ofOrder: $0) == bucket }
                let response = BucketResponse(
                    version: sim.central.headVersion, bucket: bucket,
                    orders: orders.map { sim.central.replica.orderState(ofOrder: $0) })
                #expect(response.checksum == checksum)
                #expect((try? BucketResponse.decode(response.encoded())) == response)
            }
        }
    }

    @Test func checksumMessagesRoundTripAndRefuseWhatTheyDoNotKnow() throws {
        var sum = BucketChecksum()
        sum.add(VisibleOrder(orderID: "o-1001", tables: [:]).digest)
        let response = ChecksumsResponse(version: 9, buckets: [102: sum, 5: BucketChecksum()])
        #expect(response.buckets.keys.sorted() == [102])
        #expect(try ChecksumsResponse.decode(response.encoded()) == response)
        func refused(_ edit: (inout [String: JSONValue]) -> Void) -> Bool {
            guard case .object(var object) = response.wire else { return false }
            edit(&object)
            return (try? ChecksumsResponse(wire: .object(object), path: "")) == nil
        }
        #expect(refused { $0["bucket_count"] = .integer(256) })
        #expect(refused { $0["extra"] = .bool(true) })
        #expect(
            refused {
                $0["buckets"] = .array([
                    .object(["bucket": .integer(1), "orders": .integer(1), "checksum": .string("zz")])
                ])
            })
        let entry = JSONValue.object([
            "bucket": .integer(1), "orders": .integer(1), "checksum": .string(String(repeating: "0", count: 64)),
        ])
        #expect(refused { $0["buckets"] = .array([entry, entry]) })
        #expect(
            refused {
                $0["buckets"] = .array([
                    .object([
                        "bucket": .integer(1024), "orders": .integer(1),
                        "checksum": .string(String(repeating: "0", count: 64)),
                    ])
                ])
            })
        // An order outside the bucket it is sent for.
        let wrong = BucketResponse(
            version: 1, bucket: 3, orders: [OrderState(orderID: "o-1001", rows: [], moves: [])])
        #expect(throws: SyncDecodingError.self) { try BucketResponse.decode(wrong.encoded()) }
        // The same order twice, or one row twice.
        let state = VectorScenario.finalReplica()!.orderState(ofOrder: "o-1001")
        let twice = BucketResponse(version: 1, bucket: 102, orders: [state, state])
        #expect(throws: SyncDecodingError.self) { try BucketResponse.decode(twice.encoded()) }
        let doubled = OrderState(orderID: "o-1001", rows: state.rows + state.rows.prefix(1), moves: state.moves)
        #expect(throws: SyncDecodingError.self) { try OrderState(wire: doubled.wire, path: "") }
        #expect(doubled.rowsByKey.count == state.rows.count)
        #expect(throws: ErrorResponse.self) { try BucketResponse.bucket(path: "1024") }
        #expect(throws: ErrorResponse.self) { try BucketResponse.bucket(path: "01") }
        #expect(try BucketResponse.bucket(path: "1023") == 1023)
    }

    @Test func aChecksumRequestNamesABucketRange() throws {
        #expect(try BucketChecksum.range(query: [:]) == 0...1023)
        #expect(try BucketChecksum.range(query: ["first": "64", "last": "127"]) == 64...127)
        #expect(try BucketChecksum.range(query: ["last": "5"]) == 0...5)
        for bad in [["first": "9", "last": "8"], ["first": "1024"], ["last": "-1"], ["first": "07"], ["limit": "1"]] {
            #expect(throws: ErrorResponse.self, "\(bad)") { try BucketChecksum.range(query: bad) }
        }
        #expect(BucketChecksum.query(0...1023) == "")
        #expect(BucketChecksum.query(64...127) == "?first=64&last=127")
    }
}
