import EventLoop
import Foundation
import HTTP
import Node
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// `kct join` and `kct init --central`: one sync cycle in this process straight after joining, so
/// a new workstation bootstraps from central's snapshot at once, with a progress bar on a
/// terminal (plain lines otherwise). A failure is reported, not fatal: the bootstrap resumes where
/// it stopped with `kct sync now` or `kct node run`.
enum InitialSync {
    static func run(_ store: OrderStore) {
        do {
            let sync = try OneShotSync(store: store)
            let bar = ProgressBar(terminal: isatty(STDERR_FILENO) == 1)
            sync.engine.onBootstrapProgress = { progress, finished in bar.show(progress, finished: finished) }
            switch try sync.runCycle() {
            case .success(let report):
                Output.note(
                    "synced: \(report.snapshotOrders) order(s) from central's snapshot, \(report.pulledEntries) "
                        + "change(s) pulled; cursor \(report.cursor) of \(report.headVersion)")
            case .failure(let error):
                Output.note("could not sync yet (\(error)); `kct sync now` or `kct node run` will, resuming there")
            case nil:
                Output.note("the first sync did not finish; `kct sync now` or `kct node run` will")
            }
        } catch {
            Output.note("could not sync yet (\(error)); `kct sync now` or `kct node run` will")
        }
    }

    /// `bootstrap [######------]  45,000/100,000 orders  12,345 orders/s`, redrawn in place on a
    /// terminal; elsewhere one plain line a second and one at the end.
    final class ProgressBar {
        let terminal: Bool
        let started = Date()
        var lastLine = Date.distantPast
        var firstDone: Int64?

        init(terminal: Bool) { self.terminal = terminal }

        func show(_ progress: BootstrapProgress, finished: Bool) {
            // The rate counts what this process merged (a resumed bootstrap started earlier).
            if firstDone == nil { firstDone = progress.ordersDone }
            let now = Date()
            guard terminal || finished || now.timeIntervalSince(lastLine) >= 1 else { return }
            lastLine = now
            let elapsed = max(now.timeIntervalSince(started), 0.001)
            let rate = Int(Double(progress.ordersDone - (firstDone ?? 0)) / elapsed)
            let count =
                progress.ordersTotal.map { "\(Self.grouped(progress.ordersDone))/\(Self.grouped($0))" }
                ?? Self.grouped(progress.ordersDone)
            var bar = ""
            if let total = progress.ordersTotal, total > 0 {
                let filled = Int(min(1, Double(progress.ordersDone) / Double(total)) * 30)
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled) + "] "
            }
            let line = "bootstrap \(bar)\(count) orders  \(Self.grouped(Int64(rate))) orders/s"
            let text = terminal ? "\r\u{1B}[K" + line + (finished ? "\n" : "") : line + "\n"
            FileHandle.standardError.write(Data(text.utf8))
        }

        static func grouped(_ number: Int64) -> String {
            let digits = String(number)
            var result = ""
            for (index, digit) in digits.reversed().enumerated() {
                if index > 0 && index % 3 == 0 && digit != "-" { result.append(",") }
                result.append(digit)
            }
            return String(result.reversed())
        }
    }
}
