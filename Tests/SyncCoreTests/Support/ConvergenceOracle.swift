import TestSupport
import Testing

@testable import SyncCore

/// The properties a settled simulation must have.
enum ConvergenceOracle {
    static func verify(_ sim: Simulation, seed: UInt64) {
        let central = sim.central
        let reference = central.replica.snapshot.canonicalString

        // 1. Everyone holds the same data, and nothing is left pending.
        for node in sim.nodes {
            #expect(
                node.pending.isEmpty,
                "seed \(seed): node \(node.nodeID) still has \(node.pending.count) pending changes")
            #expect(
                Bool(node.confirmed == central.replica),
                "seed \(seed): node \(node.nodeID) differs from central: \(difference(node.confirmed, central.replica))"
            )
            #expect(node.confirmed.snapshot.canonicalString == reference, "seed \(seed): snapshots differ")
            #expect(
                Bool(node.view == node.confirmed),
                "seed \(seed): node \(node.nodeID)'s view differs: \(difference(node.view, node.confirmed))")
        }

        // 2. The state depends only on the set of changes: the log merged in another order,
        //    with duplicates, gives the same replica.
        var rng = SplitMix64(seed: seed ^ 0xA5A5)
        var shuffled = central.log.shuffled(using: &rng)
        shuffled += shuffled.prefix(shuffled.count / 3)
        var replayed = ReplicaModel()
        for entry in shuffled { replayed.merge(entry.change, version: entry.version) }
        #expect(
            Bool(replayed == central.replica),
            Comment(
                rawValue: "seed \(seed): merging the log in another order gave another state: "
                    + "\(difference(replayed, central.replica))")
        )

        let rejected = Set(central.outcomes.filter { $0.value.result == .rejected }.keys)
        #expect(sim.hostile.isSubset(of: rejected), "seed \(seed): a hostile change was accepted")
        let nodesByID = Dictionary(uniqueKeysWithValues: sim.nodes.map { ($0.nodeID, $0) })
        let logged = central.log.map(\.change)
        let byRow = Dictionary(grouping: logged, by: { RowKey($0.entity, $0.rowID) })

        // 3. No append-only record is missing.
        for change in logged where change.operation == .append {
            let row = central.replica.row(change.entity, change.rowID)
            #expect(row?.appended?.ref == change.ref, "seed \(seed): appended record \(change.rowID) is missing")
            for (field, value) in change.fields where FieldCatalog.spec(change.entity, field)?.fieldClass == .appendOnly
            {
                #expect(
                    row?.fields[field]?.value == value, "seed \(seed): \(change.rowID).\(field) lost its appended value"
                )
            }
        }

        // 4. Every losing edit is in its author's conflicts: rejected ones, and accepted ones that
        //    are not in effect in the final state unless someone overwrote them knowingly (their
        //    own node later, or a node that had already merged them).
        for ref in rejected where ref.nodeID != ChangeValidator.centralNodeID {
            #expect(
                nodesByID[ref.nodeID]?.conflicts[ConflictKey(change: ref, field: nil)] != nil,
                "seed \(seed): rejected change \(ref) is not in its node's conflicts")
        }
        for change in logged where change.nodeID != ChangeValidator.centralNodeID {
            let conflicts = nodesByID[change.nodeID]!.conflicts
            for field in lostFields(
                change, central: central, byRow: byRow[RowKey(change.entity, change.rowID)] ?? [],
                knownAtEdit: sim.knownAtEdit)
            {
                #expect(
                    conflicts[ConflictKey(change: change.ref, field: field)] != nil,
                    "seed \(seed): \(change.ref) lost \(field ?? "its record") but node \(change.nodeID) was not told")
            }
        }
    }

    /// The first row or register where two replicas differ, for a readable failure.
    static func difference(_ a: ReplicaModel, _ b: ReplicaModel) -> String {
        for key in Set(a.rows.keys).union(b.rows.keys).sorted() where a.rows[key] != b.rows[key] {
            return
                "row \(key.entity.rawValue)/\(key.rowID): \(a.rows[key]?.snapshot.canonicalString ?? "absent") vs "
                + "\(b.rows[key]?.snapshot.canonicalString ?? "absent")"
        }
        for order in Set(a.statusRegisters.keys).union(b.statusRegisters.keys).sorted()
        where a.statusRegisters[order] != b.statusRegisters[order] {
            return
                "status of \(order): \(a.statusRegisters[order]?.moves.map(\.snapshot.canonicalString) ?? []) vs "
                + "\(b.statusRegisters[order]?.moves.map(\.snapshot.canonicalString) ?? [])"
        }
        return "none"
    }

    /// The fields of `change` not in effect in the final state and not knowingly overwritten.
    static func lostFields(
        _ change: Change, central: CentralModel, byRow rowChanges: [Change], knownAtEdit: [ChangeRef: Set<ChangeRef>]
    ) -> [String?] {
        func knowinglyOverwritten(_ field: String?) -> Bool {
            rowChanges.contains { other in
                guard other.ref != change.ref else { return false }
                let touches = other.operation == .delete || (field.map { other.fields[$0] != nil } ?? false)
                guard touches else { return false }
                let knew =
                    (other.nodeID == change.nodeID && other.sequence > change.sequence)
                    || knownAtEdit[other.ref]?.contains(change.ref) == true
                return knew
            }
        }
        switch change.operation {
        case .delete:
            return []
        case .setStatus:
            let register = central.replica.statusRegisters[change.orderID]
            return register?.resolution.ineffective[change.ref] != nil ? ["status"] : []
        case .setFields, .append:
            let row = central.replica.row(change.entity, change.rowID)
            var lost: [String?] = []
            if change.operation == .append, row?.appended?.ref != change.ref { lost.append(nil) }
            for field in change.fields.keys.sorted() where FieldCatalog.isStored(change.entity, field) {
                let isAppendField = FieldCatalog.spec(change.entity, field)?.fieldClass == .appendOnly
                if isAppendField { continue }
                let inEffect = row.map { !$0.isDeleted && $0.fields[field]?.ref == change.ref } ?? false
                if !inEffect && !knowinglyOverwritten(field) { lost.append(field) }
            }
            return lost
        }
    }
}
