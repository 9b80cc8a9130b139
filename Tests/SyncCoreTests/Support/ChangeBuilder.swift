import TestSupport

@testable import SyncCore

/// Short constructors for the changes unit tests need. Times are whole seconds after t0.
enum Build {
    static let t0: UInt64 = 1_764_079_200_000

    static func hlc(_ second: UInt64, _ counter: UInt16 = 0) -> HLC {
        HLC(millis: t0 + second * 1000, counter: counter)
    }

    /// A `set_fields` on order o-1.
    static func change(
        _ node: String, _ sequence: Int64, at second: UInt64, _ fields: [String: FieldValue], base: Int64 = 0
    ) -> Change {
        change(node, sequence, at: second, .order, row: "o-1", order: "o-1", .setFields, fields, base: base)
    }

    static func change(
        _ node: String, _ sequence: Int64, at second: UInt64, _ entity: EntityKind, row: String,
        order: String = "o-1", _ op: ChangeOperation, _ fields: [String: FieldValue], base: Int64 = 0
    ) -> Change {
        Change(
            nodeID: node, sequence: sequence, hlc: hlc(second), entity: entity, rowID: row, orderID: order,
            operation: op, fields: fields, author: "\(node.lowercased())@kct.example", baseVersion: base)
    }

    static func createOrder(_ node: String = "W0", _ sequence: Int64 = 1, at second: UInt64 = 0, order: String = "o-1")
        -> Change
    {
        change(
            node, sequence, at: second, .order, row: order, order: order, .setFields,
            [
                "order_number": .text("S01-\(node)-\(sequence)"), "customer_name": .text("Ada Lovelace"),
                "customer_email": .text("ada@example.com"), "currency": .text("USD"),
            ])
    }

    static func addItem(
        _ node: String, _ sequence: Int64, at second: UInt64, item: String, quantity: Int64 = 1, price: Int64 = 10_000,
        order: String = "o-1"
    ) -> Change {
        change(
            node, sequence, at: second, .orderItem, row: item, order: order, .setFields,
            [
                "product_name": .text("Navy Suit"), "quantity": .integer(quantity), "unit_price": .integer(price),
            ])
    }

    static func move(
        _ node: String, _ sequence: Int64, at second: UInt64, from: String, to: String, resume: String? = nil,
        order: String = "o-1", base: Int64 = 0
    ) -> Change {
        var fields: [String: FieldValue] = ["status": .text(to), "from_status": .text(from)]
        if let resume { fields["from_resume_status"] = .text(resume) }
        return change(node, sequence, at: second, .order, row: order, order: order, .setStatus, fields, base: base)
    }

    /// Merges changes in the given order, each at the next version.
    static func replica(_ changes: [Change]) -> ReplicaModel {
        var replica = ReplicaModel()
        for (index, change) in changes.enumerated() { replica.merge(change, version: Int64(index + 1)) }
        return replica
    }

    /// Every order of up to 6 changes (or 200 seeded shuffles of more) merged with fixed
    /// versions per change: all must give the same replica.
    static func allOrdersAgree(_ changes: [Change]) -> Bool {
        let versions = Dictionary(uniqueKeysWithValues: changes.enumerated().map { ($1.ref, Int64($0 + 1)) })
        func merge(_ ordered: [Change]) -> ReplicaModel {
            var replica = ReplicaModel()
            for change in ordered { replica.merge(change, version: versions[change.ref]!) }
            return replica
        }
        let reference = merge(changes)
        if changes.count <= 6 {
            return permutations(changes).allSatisfy { merge($0) == reference && merge($0 + $0.reversed()) == reference }
        }
        var rng = SplitMix64(seed: 7)
        return (0..<200).allSatisfy { _ in merge(changes.shuffled(using: &rng)) == reference }
    }

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index -> [[T]] in
            var rest = items
            let head = rest.remove(at: index)
            return permutations(rest).map { [head] + $0 }
        }
    }
}
