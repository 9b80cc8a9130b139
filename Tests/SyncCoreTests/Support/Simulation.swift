import TestSupport
import Testing

@testable import SyncCore

/// A whole sync deployment in memory: a central, 2–5 nodes, a network that partitions nodes,
/// delays, duplicates, reorders and drops replies, driven by one seed.
struct Simulation {
    enum Message {
        case pushReply(PushResponse)
        case pullPage(PullResponse)
    }

    var rng: SplitMix64
    var central = CentralModel()
    var nodes: [NodeReplica]
    var online: [Bool]
    /// Per node: how far its wall clock is off central's (one may run days ahead).
    var skew: [Int64]
    var inFlight: [(node: Int, message: Message)] = []
    var generator = EditGenerator()
    var now: UInt64 = 1_764_000_000_000
    /// Ground truth of causality: for each change, the changes its author had merged when it
    /// was made (its own earlier changes count as known through their sequence).
    var knownAtEdit: [ChangeRef: Set<ChangeRef>] = [:]
    var known: [Set<ChangeRef>]
    var hostile: Set<ChangeRef> = []
    var centralEdits = 0

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let count = Int.random(in: 2...5, using: &random)
        nodes = (0..<count).map { NodeReplica(nodeID: "n\($0 + 1)") }
        online = Array(repeating: true, count: count)
        known = Array(repeating: [], count: count)
        var skews: [Int64] = []
        for _ in 0..<count { skews.append(Int64.random(in: -500...500, using: &random)) }
        if random.chance(0.3) {
            // A workstation whose clock runs two days ahead: central must clamp its stamps.
            skews[Int.random(in: 0..<count, using: &random)] = 2 * 86_400_000
        }
        if random.chance(0.3) {
            // One whose clock runs an hour behind: its edits made after a pull must still sort
            // after what it pulled.
            skews[Int.random(in: 0..<count, using: &random)] = -3_600_000
        }
        skew = skews
        rng = random
    }

    func nodeNow(_ index: Int) -> UInt64 { UInt64(Int64(now) + skew[index]) }

    mutating func run(steps: Int) {
        for _ in 0..<steps {
            now += UInt64.random(in: 0...40, using: &rng)
            let node = Int.random(in: 0..<nodes.count, using: &rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<40: edit(node)
            case 40..<55: if online[node] { push(node) }
            case 55..<70: if online[node] { pull(node) }
            case 70..<82: deliverOne()
            case 82..<90: online[node].toggle()
            case 90..<93: if !inFlight.isEmpty { inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng)) }
            default: centralEdit()
            }
        }
    }

    /// Heals every partition and syncs until nothing is pending anywhere.
    mutating func settle() {
        for index in inFlight.indices.shuffled(using: &rng) { deliver(inFlight[index]) }
        inFlight = []
        online = online.map { _ in true }
        for _ in 0..<4 {
            for node in nodes.indices {
                while let request = nodes[node].pushRequest(limit: 50) {
                    do {
                        nodes[node].receive(
                            try central.push(request, authenticatedNode: nodes[node].nodeID, nowMillis: now))
                    } catch {
                        Issue.record("central refused a well-formed push: \(error)")
                        return
                    }
                }
            }
            for node in nodes.indices {
                var more = true
                while more {
                    let page = central.pull(PullRequest(after: nodes[node].cursor, limit: 7))
                    mergePage(node, page)
                    more = page.hasMore
                }
            }
        }
    }

    mutating func edit(_ node: Int) {
        let nodeID = nodes[node].nodeID
        for edit in generator.next(node: nodeID, view: nodes[node].view, rng: &rng) {
            let probe = Change(
                nodeID: nodeID, sequence: nodes[node].nextSequence, hlc: HLC(packed: 1), entity: edit.entity,
                rowID: edit.rowID, orderID: edit.orderID, operation: edit.operation, fields: edit.fields,
                author: "staff@\(nodeID)")
            let valid = (try? ChangeValidator.validate(probe, against: nodes[node].view)) != nil
            guard valid != edit.hostile else { continue }
            let change: Change
            do {
                change = try nodes[node].edit(
                    entity: edit.entity, rowID: edit.rowID, orderID: edit.orderID, operation: edit.operation,
                    fields: edit.fields, author: "staff@\(nodeID)", nowMillis: nodeNow(node))
            } catch {
                Issue.record("node \(nodeID) could not stamp an edit: \(error)")
                return
            }
            knownAtEdit[change.ref] = known[node]
            if edit.hostile { hostile.insert(change.ref) }
        }
    }

    mutating func push(_ node: Int) {
        guard let request = nodes[node].pushRequest(limit: Int.random(in: 1...6, using: &rng)) else { return }
        let deliveries = rng.chance(0.1) ? 2 : 1
        for _ in 0..<deliveries {
            do {
                let response = try central.push(request, authenticatedNode: nodes[node].nodeID, nowMillis: now)
                inFlight.append((node, .pushReply(response)))
            } catch {
                Issue.record("central refused a well-formed push: \(error)")
            }
        }
    }

    mutating func pull(_ node: Int) {
        let page = central.pull(PullRequest(after: nodes[node].cursor, limit: Int.random(in: 1...8, using: &rng)))
        inFlight.append((node, .pullPage(page)))
        if rng.chance(0.1) { inFlight.append((node, .pullPage(page))) }
    }

    mutating func deliverOne() {
        guard !inFlight.isEmpty else { return }
        let message = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng))
        guard online[message.node] else { return } // lost on the way
        deliver(message)
    }

    mutating func deliver(_ message: (node: Int, message: Message)) {
        switch message.message {
        case .pushReply(let response):
            nodes[message.node].receive(response)
        case .pullPage(let page): mergePage(message.node, page)
        }
    }

    mutating func mergePage(_ node: Int, _ page: PullResponse) {
        let cursor = nodes[node].cursor
        nodes[node].merge(page)
        for entry in page.entries where entry.version > cursor { known[node].insert(entry.change.ref) }
    }

    /// Central records a payment fact on some order (central-only field).
    mutating func centralEdit() {
        let orders = central.replica.rows.keys.filter { $0.entity == .order }.map(\.rowID).sorted()
        guard !orders.isEmpty else { return }
        let orderID = rng.pick(orders)
        centralEdits += 1
        let outcome = central.author(
            entity: .order, rowID: orderID, orderID: orderID, operation: .setFields,
            fields: ["payment_status": .text(rng.pick(["paid", "refunded", "requires_action"]))],
            author: "stripe-webhook", nowMillis: now)
        #expect(outcome.result != .rejected, "central's own payment change was rejected: \(outcome)")
    }
}
