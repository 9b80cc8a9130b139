import EventLoop
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite("EventLoop")
struct EventLoopTests {
    @Test func executeFromOtherThreadsRunsOnTheLoopThread() async throws {
        try await withStopping(try await EventLoopThread.start(), stop: { try await $0.shutdown() }) { thread in
            let loop = thread.loop
            #expect(!loop.isInLoopThread)
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<100 {
                    group.addTask { (try? await loop.submit { $0.isInLoopThread }) ?? false }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 100 && results.allSatisfy { $0 })
        }
    }

    @Test func timersFireInOrderAndRestartingDebounces() async throws {
        try await withStopping(try await EventLoopThread.start(), stop: { try await $0.shutdown() }) { thread in
            let fired = try await thread.loop.submitDeferred {
                (loop, finish: @escaping (Result<[String], any Error>) -> Void) in
                var order: [String] = []
                loop.schedule(after: .milliseconds(30)) { order.append("late") }
                loop.schedule(after: .milliseconds(1)) { order.append("early") }
                var debounced = 0
                let debounce = loop.makeTimer { _ in debounced += 1 }
                // Restarted three times before it can fire: fires once.
                debounce.start(after: .milliseconds(20))
                debounce.start(after: .milliseconds(20))
                debounce.start(after: .milliseconds(20))
                let cancelled = loop.schedule(after: .milliseconds(5)) { order.append("cancelled") }
                cancelled.close()
                loop.schedule(after: .milliseconds(100)) {
                    debounce.close()
                    finish(.success(order + ["debounced \(debounced)"]))
                }
            }
            #expect(fired == ["early", "late", "debounced 1"])
        }
    }

    @Test func repeatingTimerFiresUntilClosed() async throws {
        try await withStopping(try await EventLoopThread.start(), stop: { try await $0.shutdown() }) { thread in
            let count = try await thread.loop.submitDeferred {
                (loop, finish: @escaping (Result<Int, any Error>) -> Void) in
                var ticks = 0
                let timer = loop.makeTimer { timer in
                    ticks += 1
                    if ticks == 5 {
                        timer.close()
                        finish(.success(ticks))
                    }
                }
                timer.start(after: .milliseconds(1), repeating: .milliseconds(2))
            }
            #expect(count == 5)
        }
    }

    @Test func offloadRunsOffTheLoopAndCompletesOnIt() async throws {
        try await withStopping(try await EventLoopThread.start(), stop: { try await $0.shutdown() }) { thread in
            let loop = thread.loop
            let outcome = try await loop.submitDeferred {
                (loop, finish: @escaping (Result<(Bool, Bool, Int), any Error>) -> Void) in
                loop.offload({ () -> (Bool, Int) in (loop.isInLoopThread, (1...1000).reduce(0, +)) }) { result in
                    let (workOnLoop, sum) = (try? result.get()) ?? (true, 0)
                    finish(.success((workOnLoop, loop.isInLoopThread, sum)))
                }
            }
            #expect(outcome.0 == false)
            #expect(outcome.1 == true)
            #expect(outcome.2 == 500_500)
            struct Failure: Error {}
            await #expect(throws: Failure.self) {
                try await loop.offload { () -> Int in throw Failure() }
            }
            #expect(try await loop.offload { 7 } == 7)
        }
    }

    @Test func lagMonitorSeesABlockedLoop() async throws {
        try await withStopping(
            try await EventLoopThread.start(configuration: .init(lagSampleInterval: .milliseconds(10))),
            stop: { try await $0.shutdown() }
        ) { thread in
            let loop = thread.loop
            // Let a few samples pass, then block the loop for 150 ms.
            try await Task.sleep(for: .milliseconds(50))
            try await loop.submit { _ in Thread.sleep(forTimeInterval: 0.15) }
            #expect(
                try await eventually {
                    try await loop.submit { $0.lagMonitor!.snapshot.maxMilliseconds } >= 100
                })
            let snapshot = try await loop.submit { $0.lagMonitor!.snapshot }
            #expect(snapshot.samples > 3)
            #expect(snapshot.p50Milliseconds <= snapshot.p99Milliseconds)
            #expect(snapshot.p99Milliseconds <= snapshot.maxMilliseconds)
        }
    }

    @Test func shutdownWaitsForServicesThenRefusesWork() async throws {
        let thread = try await EventLoopThread.start()
        let loop = thread.loop
        let log = Mutex<[String]>([])
        try await loop.submit { loop in
            let service = SlowService(loop: loop) { entry in log.withLock { $0.append(entry) } }
            loop.register(service)
            loop.onShutdown { log.withLock { $0.append("hook") } }
        }
        try await thread.shutdown(grace: .seconds(5))
        #expect(log.withLock { $0 } == ["hook", "begin", "finished"])
        await #expect(throws: EventLoopError.shutDown) { try await loop.submit { _ in 1 } }
        #expect(loop.execute {} == false)
    }

    @Test func graceExpiryForceClosesStragglers() async throws {
        let thread = try await EventLoopThread.start()
        let log = Mutex<[String]>([])
        try await thread.loop.submit { loop in
            let service = SlowService(loop: loop, finishAfter: .seconds(3600)) { entry in
                log.withLock { $0.append(entry) }
            }
            loop.register(service)
        }
        try await thread.shutdown(grace: .milliseconds(50))
        #expect(log.withLock { $0 } == ["begin", "forced"])
    }

    @Test func signalsStartAGracefulShutdown() async throws {
        let thread = try await EventLoopThread.start()
        try await thread.loop.submit { loop in try loop.shutdownOnSignals([SIGUSR2]) }
        // Process-directed, so any thread that does not block the signal takes it for libuv.
        kill(getpid(), SIGUSR2)
        // Nothing else asks the loop to stop: the signal alone ends it.
        try await thread.waitUntilFinished()
        #expect(thread.loop.state == .finished)
    }

    @Test func runCannotBeCalledTwice() async throws {
        try await withStopping(try await EventLoopThread.start(), stop: { try await $0.shutdown() }) { thread in
            await #expect(throws: EventLoopError.alreadyRan) {
                try await thread.loop.submit { try $0.run() }
            }
        }
    }

    @Test func durationsBecomeWholeMillisecondsRoundedUp() {
        #expect(Duration.milliseconds(5).uvMilliseconds == 5)
        #expect(Duration.microseconds(1).uvMilliseconds == 1)
        #expect(Duration.zero.uvMilliseconds == 0)
        #expect(Duration.seconds(-1).uvMilliseconds == 0)
        #expect(Duration.seconds(2).uvMilliseconds == 2000)
    }
}

/// A service whose in-flight work ends `finishAfter` after shutdown begins, held by a timer.
final class SlowService: LoopService {
    let loop: EventLoop
    let finishAfter: Duration
    let log: (String) -> Void
    var timer: LoopTimer?

    init(loop: EventLoop, finishAfter: Duration = .milliseconds(50), log: @escaping (String) -> Void) {
        self.loop = loop
        self.finishAfter = finishAfter
        self.log = log
    }

    func beginShutdown() {
        log("begin")
        let timer = loop.makeTimer(managedByOwner: true) { [unowned self] timer in
            self.log("finished")
            timer.close()
            self.loop.unregister(self)
        }
        timer.start(after: finishAfter)
        self.timer = timer
    }

    func forceClose() {
        log("forced")
        timer?.close()
        loop.unregister(self)
    }
}
