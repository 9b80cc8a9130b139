import Foundation
import PropertyBased
import Testing

@testable import SyncCore

/// Property-based convergence: random deployments, edits, partitions and deliveries; after
/// healing, central and every node hold identical replicas, no appended record is missing,
/// and every losing edit is in its author's conflicts. `KCT_PROPERTY_CASES=N` runs N cases.
@Suite struct ConvergenceTests {
    static let cases = ProcessInfo.processInfo.environment["KCT_PROPERTY_CASES"].flatMap(Int.init) ?? 250

    @Test func replicasConvergeWhateverTheDeliveryOrder() async {
        await propertyCheck(count: Self.cases, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var sim = Simulation(seed: seed)
            sim.run(steps: 160)
            sim.settle()
            ConvergenceOracle.verify(sim, seed: seed)
        }
    }
}

extension ConvergenceTests {
    /// The simulation is only worth something if it produces every kind of outcome: guards
    /// against a generator that drifts into edits that never conflict.
    @Test func simulationExercisesEveryOutcome() {
        var results: [ChangeOutcome.Result: Int] = [:]
        var clamped = 0, displaced = 0, ineffectiveMoves = 0, deletes = 0
        for seed: UInt64 in 1...40 {
            var sim = Simulation(seed: seed)
            sim.run(steps: 160)
            sim.settle()
            for outcome in sim.central.outcomes.values {
                results[outcome.result, default: 0] += 1
                if outcome.clampedFrom != nil { clamped += 1 }
            }
            displaced += sim.central.log.reduce(0) { $0 + $1.displaced.count }
            ineffectiveMoves += sim.central.replica.statusRegisters.values.reduce(0) {
                $0 + $1.resolution.ineffective.count
            }
            deletes += sim.central.replica.rows.values.filter(\.isDeleted).count
        }
        #expect(results[.applied, default: 0] > 1000)
        #expect(results[.superseded, default: 0] > 20)
        #expect(results[.rejected, default: 0] > 20)
        #expect(clamped > 20)
        #expect(displaced > 20)
        #expect(ineffectiveMoves > 20)
        #expect(deletes > 20)
    }
}
