import CLibUV

extension EventLoop {
    /// Runs `work` on libuv's thread pool (`uv_queue_work`) and then `completion` with its result
    /// on the loop thread. For long work that must not block the loop (database transactions,
    /// compression of big payloads). Pending work keeps the loop alive, also during shutdown.
    package func offload<Output: Sendable>(
        _ work: @escaping @Sendable () throws -> Output,
        completion: @escaping (Result<Output, any Error>) -> Void
    ) {
        assertInLoopThread()
        let job = OffloadedJob(work: work, completion: completion)
        let request = UVMemory.allocateRequest(UV_WORK)
        let work = request.assumingMemoryBound(to: uv_work_t.self)
        work.pointee.data = Unmanaged.passRetained(job).toOpaque()
        let result = uv_queue_work(uvLoop, work, runOffloadedWork, finishOffloadedWork)
        if result < 0 {
            Unmanaged<OffloadedJob<Output>>.fromOpaque(work.pointee.data).release()
            request.deallocate()
            completion(.failure(UVError(code: result, operation: "uv_queue_work")))
        }
    }

    /// `offload` for async callers: suspends until the work has run and the loop has seen it.
    /// Callable from any thread.
    package func offload<Output: Sendable>(_ work: @escaping @Sendable () throws -> Output) async throws -> Output {
        try await submitDeferred { loop, finish in
            loop.offload(work) { finish($0) }
        }
    }
}

/// Non-generic base so the C callbacks (which cannot be generic) can drive any job.
private class OffloadedJobBase: @unchecked Sendable {
    // @unchecked Sendable: see `OffloadedJob`; the base class has no state of its own.
    func runOnPool() {}
    func finishOnLoop(status: Int32) {}
}

/// One `uv_queue_work` job.
private final class OffloadedJob<Output: Sendable>: OffloadedJobBase, @unchecked Sendable {
    // @unchecked Sendable: `outcome` is written once on a pool thread in `runOnPool` and read on
    // the loop thread in `finishOnLoop`; libuv orders the two (the pool hands completion back
    // through its own locked queue and async handle). `completion` is only touched on the loop.
    let work: @Sendable () throws -> Output
    let completion: (Result<Output, any Error>) -> Void
    var outcome: Result<Output, any Error>?

    init(work: @escaping @Sendable () throws -> Output, completion: @escaping (Result<Output, any Error>) -> Void) {
        self.work = work
        self.completion = completion
    }

    override func runOnPool() {
        outcome = Result { try work() }
    }

    override func finishOnLoop(status: Int32) {
        if status == UV_ECANCELED.rawValue {
            completion(.failure(UVError(code: status, operation: "uv_queue_work")))
        } else {
            completion(outcome ?? .failure(UVError(code: UV_ECANCELED.rawValue, operation: "uv_queue_work")))
        }
    }
}

private let runOffloadedWork: uv_work_cb = { request in
    guard let request, let data = request.pointee.data else { return }
    Unmanaged<OffloadedJobBase>.fromOpaque(data).takeUnretainedValue().runOnPool()
}

private let finishOffloadedWork: uv_after_work_cb = { request, status in
    guard let request, let data = request.pointee.data else { return }
    let job = Unmanaged<OffloadedJobBase>.fromOpaque(data).takeRetainedValue()
    UnsafeMutableRawPointer(request).deallocate()
    job.finishOnLoop(status: status)
}
