import TestSupport
import Testing

@testable import SyncCore

/// What snapshot bootstrap relies on (SYNC-PROTOCOL.md §4.9): joining merge states equals merging
/// the union of their changes, and merging again a change a state already contains changes
/// nothing, so a snapshot taken at any point at or after version V followed by a pull from V
/// ends in central's state. Checked on the convergence simulation's logs.
@Suite struct RowStateJoinTests {
    static func merged(_ entries: some Sequence<LogEntry>) -> ReplicaModel {
        var model = ReplicaModel()
        for entry in entries { model.merge(entry.change, version: entry.version) }
        return model
    }

    /// `a` joined with `b`, row by row and register by register.
    static func joined(_ a: ReplicaModel, _ b: ReplicaModel) -> ([RowKey: RowState], [String: StatusRegister]) {
        var rows = a.rows
        for (key, row) in b.rows { rows[key] = rows[key].map { $0.joined(with: row) } ?? row }
        var registers = a.statusRegisters
        for (order, register) in b.statusRegisters {
            registers[order] = registers[order].map { $0.joined(with: register) } ?? register
        }
        return (rows, registers)
    }

    @Test(arguments: 1...30 as ClosedRange<UInt64>)
    func joiningStatesEqualsMergingTheUnionOfTheirChanges(seed: UInt64) {
        var sim = Simulation(seed: seed)
        sim.run(steps: 160)
        sim.settle()
        let central = sim.central.replica
        var random = SplitMix64(seed: seed &* 7919)
        // Two overlapping subsets covering the log, as a node's own pushed edits and a snapshot.
        var a: [LogEntry] = []
        var b: [LogEntry] = []
        for entry in sim.central.log {
            switch random.next() % 3 {
            case 0: a.append(entry)
            case 1: b.append(entry)
            default:
                a.append(entry)
                b.append(entry)
            }
        }
        let (rows, registers) = Self.joined(Self.merged(a), Self.merged(b.shuffled(using: &random)))
        #expect(rows == central.rows, "seed \(seed)")
        #expect(registers == central.statusRegisters, "seed \(seed)")
        #expect(!central.rows.isEmpty)
    }

    @Test(arguments: 1...30 as ClosedRange<UInt64>)
    func aFuzzySnapshotThenAPullFromItsVersionEndsInCentralsState(seed: UInt64) {
        var sim = Simulation(seed: seed)
        sim.run(steps: 160)
        sim.settle()
        let log = sim.central.log
        guard !log.isEmpty else { return }
        var random = SplitMix64(seed: seed &* 104_729)
        // Pinned at V; the pages were read later, so they hold everything up to V and some of
        // what came after. The node then pulls everything after V: merged again, no effect.
        let pinned = Int64(random.next() % UInt64(log.count))
        let snapshot = Self.merged(log.filter { $0.version <= pinned || random.next() % 2 == 0 })
        // Joined into an empty replica: the snapshot's state.
        let (rows, registers) = Self.joined(ReplicaModel(), snapshot)
        var state = rows
        var moves = registers
        for entry in log where entry.version > pinned {
            if entry.change.operation == .setStatus {
                _ = moves[entry.change.orderID, default: StatusRegister()].merge(entry.change, version: entry.version)
            } else {
                let key = RowKey(entry.change.entity, entry.change.rowID)
                _ = state[
                    key,
                    default: RowState(
                        entity: entry.change.entity, rowID: entry.change.rowID, orderID: entry.change.orderID)
                ].merge(entry.change, version: entry.version)
            }
        }
        #expect(state == sim.central.replica.rows, "seed \(seed)")
        #expect(moves == sim.central.replica.statusRegisters, "seed \(seed)")
    }

    @Test(arguments: 1...30 as ClosedRange<UInt64>)
    func mergingAChangeAStateAlreadyContainsChangesNothing(seed: UInt64) {
        var sim = Simulation(seed: seed)
        sim.run(steps: 160)
        sim.settle()
        var replica = sim.central.replica
        for entry in sim.central.log.reversed() { replica.merge(entry.change, version: entry.version) }
        #expect(replica.rows == sim.central.replica.rows, "seed \(seed)")
        #expect(replica.statusRegisters == sim.central.replica.statusRegisters, "seed \(seed)")
    }
}
