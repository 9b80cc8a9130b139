import Central
import EventLoop
import Foundation
import HTTP
import OrderDomain
import ProviderStandIns
import Store
import SyncCore

/// The effects ledger: payment requests pushed to a `kct central serve` process whose Stripe is
/// the stand-in (effects/s from the first push to the last PaymentIntent created), and what the
/// ledger adds to every accepted change when no integration is configured, beside push + apply
/// measured in the same run.
struct EffectsSuite: BenchSuite {
    let name = "effects"
    let summary =
        "effects ledger: payment effects/s against the Stripe stand-in; per-change ledger cost without integrations"

    static let requests = 1_000
    static let overheadOrders = 3_334

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        let root = try KCTBinary.workDirectory(options, suite: "effects")
        let thread = try await EventLoopThread.start(name: "bench-effects-client")
        defer { Task { try? await thread.shutdown() } }
        let client = try await thread.loop.submit { loop in LoopBound(try HTTPClient(loop: loop), loop: loop) }
        var figures: [Figure] = []
        var notes: [String] = []

        var effectRates: [Double] = []
        let requests = options.count(Self.requests)
        for repetition in 0..<options.repetitions {
            effectRates.append(
                try await Self.measureEffects(
                    requests: requests, directory: root + "/run-\(repetition)", client: client))
        }
        figures.append(
            Figure(
                name: "payment effects through the ledger", value: Samples(effectRates).median, unit: "effects/s"))
        notes.append(
            "effects: \(requests) orders, each with a payment request, pushed to a `kct central serve` process "
                + "whose Stripe is the stand-in (loopback); from the first push to the stand-in counting \(requests) "
                + "PaymentIntents; each effect is recorded with its push, claimed (in flight, durably), called, and "
                + "answered with central's changes in one transaction"
        )

        // The ledger's cost per accepted change without integrations is the planner's test of
        // each change in the push transaction (EffectPlanner.mayCause; nothing is recorded).
        let overheadDirectory = root + "/overhead"
        let source = try OrderStore.create(directory: overheadDirectory + "/source", name: "P1", shopCode: "S01")
        for _ in 0..<options.count(Self.overheadOrders) {
            try source.createOrder(LocalEditsSuite.draft(), by: benchActor)
        }
        let changes = try source.outboxEntries()
        let planner = EffectPlanner.unconfigured
        var perChange: [Double] = []
        for _ in 0..<max(5, options.repetitions) {
            let begin = monotonicSeconds()
            var caused = 0
            for _ in 0..<10 { for change in changes where planner.mayCause(change) { caused += 1 } }
            let elapsed = monotonicSeconds() - begin
            precondition(caused == 0, "no integration configured: ordinary edits cause nothing")
            perChange.append(elapsed / Double(10 * changes.count) * 1e9)
        }
        var pushRates: [Double] = []
        for repetition in 0..<options.repetitions {
            pushRates.append(
                try await SyncSuite.measurePushApply(
                    orders: options.count(Self.overheadOrders), directory: overheadDirectory + "/push-\(repetition)",
                    client: client
                ).rate)
        }
        figures.append(
            Figure(
                name: "ledger cost per accepted change, no integration", value: Samples(perChange).median,
                unit: "ns/change", baseline: "push + apply per change (same run)",
                baselineValue: 1e9 / Samples(pushRates).median, target: "≤ 5% of push + apply"))
        notes.append(
            "ledger overhead: EffectPlanner.mayCause over \(changes.count) changes of new orders (what a push "
                + "adds per change when nothing is configured), against push + apply of the same kind of changes "
                + "through a `kct central serve` process"
        )
        return SuiteReport(suite: name, figures: figures, notes: notes)
    }

    /// Effects per second from the first push of `requests` payment requests to the last
    /// PaymentIntent the stand-in created.
    static func measureEffects(requests: Int, directory: String, client: LoopBound<HTTPClient>) async throws -> Double {
        let stripe = try await StripeStandIn.start()
        defer { Task { try? await stripe.stop() } }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = directory + "/central.sqlite"
        try KCTBinary.run(["central", "init", "--db", database])
        try KCTBinary.run(
            [
                "central", "add-user", "--db", database, "--email", SyncSuite.benchAuthor, "--name", "Bench",
                "--role", "admin", "--password-stdin",
            ],
            stdin: SyncSuite.benchPassword + "\n")
        let added = try KCTBinary.run([
            "central", "add-node", "--db", database, "--name", "P1", "--shop", "S01", "--json",
        ])
        guard let object = try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any],
            let token = object["token"] as? String
        else { throw BenchError("add-node printed no token: \(added)") }
        let central = try KCTServerProcess(
            ["central", "serve", "--db", database, "--listen", "127.0.0.1:0"],
            environment: [
                "KCT_STRIPE_SECRET_KEY": stripe.secretKey, "KCT_STRIPE_BASE_URL": stripe.baseURL,
            ], logPath: directory + "/central.log", readyPrefix: "central listening on ")
        defer { central.stop() }

        let source = try OrderStore.create(directory: directory + "/source", name: "P1", shopCode: "S01")
        for _ in 0..<requests {
            let order = try source.createOrder(LocalEditsSuite.draft(), by: benchActor)
            try source.requestIntegration(on: order.id, .payment, by: benchActor)
        }
        let changes = try source.outboxEntries()
        let headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        let begin = monotonicSeconds()
        for start in stride(from: 0, to: changes.count, by: ProtocolLimits.maximumChangesPerPush) {
            let body = PushRequest(
                nodeID: source.identity.nodeID,
                changes: Array(changes[start..<min(changes.count, start + ProtocolLimits.maximumChangesPerPush)])
            ).wire.canonicalBytes
            _ = try await client.response(
                for: HTTPClientRequest(method: .post, url: central.url + "/v1/push", headers: headers, body: body))
        }
        let deadline = begin + 300
        while stripe.counters.intentsCreated < requests {
            guard monotonicSeconds() < deadline else {
                throw BenchError(
                    "only \(stripe.counters.intentsCreated) of \(requests) PaymentIntents after 300 s; see \(directory)"
                )
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let elapsed = monotonicSeconds() - begin
        guard stripe.counters.intentsCreated == requests else {
            throw BenchError("\(stripe.counters.intentsCreated) PaymentIntents for \(requests) requests")
        }
        return Double(requests) / elapsed
    }
}
